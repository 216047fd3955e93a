//! A device that wakes once a minute from deep sleep for a simulated year: 525,600 wakes, each a
//! fresh Lua state running `main.lua` and `rules.lua`, against a bare mlua state with `sys.lua`
//! and the same two scripts run over stubs of `RTC`, `Node` and `log` in Lua. Targets: a wake
//! at most 0.2x a bare state, a year under 60 s on one core.

use super::{run_yaml, timed, BenchResult, Figure, Size};
use luasim_core::runtime::SYS_LUA;

const SCRIPT: &str = r#"
name: wake-year
device: esp32s3
duration: DURATION
scripts:
  main.lua: |
MAIN
  rules.lua: |
RULES
"#;

const MAIN: &str = r#"local n = (RTC.get("n") or 0) + 1
RTC.set("n", n)
if n % 1440 == 0 then log.info("watch", "day", n // 1440) end
"#;

const RULES: &str = r#"local history = RTC.get("h") or {}
history[#history + 1] = os.time() % 100
if #history > 10 then table.remove(history, 1) end
RTC.set("h", history)
Node.deepSleep(60000 - Node.uptime())
"#;

/// The stubs the bare state runs the scripts over (its sleep region starts empty each time).
const STUB: &str = r#"
local region = {}
RTC = { get = function(k) return region[k] end, set = function(k, v) region[k] = v end }
Node = { uptime = function() return 5 end, deepSleep = function() end }
local function quiet() end
log = { debug = quiet, info = quiet, warn = quiet, error = quiet }
"#;

/// `boots` bare states, each loading the stubs, `sys.lua` and the two scripts and running them.
fn bare(boots: u32) -> Result<(), String> {
    for _ in 0..boots {
        let lua = super::bare_lua()?;
        let run = || -> mlua::Result<()> {
            lua.load(STUB).exec()?;
            let sys: mlua::Value = lua.load(SYS_LUA).set_name("@sys.lua").call(())?;
            lua.globals().set("sys", sys)?;
            lua.load(MAIN).set_name("@/scripts/main.lua").exec()?;
            lua.load(RULES).set_name("@/scripts/rules.lua").exec()
        };
        run().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect::<String>().trim_end().to_string()
}

pub fn run(size: Size) -> Result<BenchResult, String> {
    let days = if size == Size::Full { 365 } else { 2 };
    let yaml =
        SCRIPT.replace("DURATION", &format!("{days}d")).replace("MAIN", &indent(MAIN)).replace("RULES", &indent(RULES));
    let (report, wall) = timed(|| run_yaml(&yaml));
    let report = report?;
    let wakes = report.stats.boots;
    let bare_states = wakes.min(20_000);
    let (bare_result, bare_wall) = timed(|| bare(bare_states));
    bare_result?;
    let per_wake_us = wall.as_secs_f64() * 1e6 / wakes as f64;
    let bare_us = bare_wall.as_secs_f64() * 1e6 / bare_states as f64;
    let year_s = per_wake_us * 525_600.0 / 1e6;
    let simulated = report.stats.simulated_us as f64 / 1e6 / wall.as_secs_f64();
    Ok(BenchResult::new(
        "wake-year",
        format!("{days} simulated days of one-minute deep-sleep wakes (fresh state each) vs bare mlua states"),
        vec![
            Figure::count("wakes", wakes as f64),
            Figure::seconds("wall", wall),
            Figure::new("per wake", per_wake_us, "us", format!("{per_wake_us:.1} µs")),
            Figure::new("bare mlua", bare_us, "us", format!("{bare_us:.1} µs per state ({bare_states} states)")),
            Figure::ratio("simulator / bare", per_wake_us / bare_us).at_most(0.2),
            Figure::new("a year of wakes", year_s, "s", format!("{year_s:.1} s")).at_most(60.0),
            Figure::new("simulated / wall", simulated, "ratio", format!("{simulated:.0}x")),
        ],
    ))
}
