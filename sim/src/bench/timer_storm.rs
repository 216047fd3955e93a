//! 64 periodic timers at 10 ms: every timer slot busy, 6,400 expiries a simulated second, each
//! one a queue message and a Lua callback through `sys.lua`; in the simulator, and in a bare
//! mlua state running the very same `sys.lua` and script over a stub `rtos` (`stub_rtos`) that
//! fires the same timers in the same order. Target: the simulator at most 1.5x the bare state.

mod stub_rtos;

use super::{parse_yaml, timed, BenchResult, Figure, Size};
use luasim_core::runtime::{RunOptions, SYS_LUA};

/// The workload; `DURATION` is replaced by the run's length and `END_AT` by the time the count
/// is published, 5 ms before the end (between two expiries). The QEMU workload plays it too.
const SCRIPT: &str = r#"
name: timer-storm
device: { profile: esp32s3, tick_hz: 1000 }
duration: DURATION
scripts:
  main.lua: |
MAIN
steps:
  - { at: END_AT, publish: [END, 0] }
"#;

const MAIN: &str = r#"local fired = 0
for i = 1, 64 do sys.timerLoopStart(function() fired = fired + 1 end, 10) end
sys.subscribe("END", function() log.info("storm", fired) end)
sys.run()
"#;

/// The scenario text for `seconds` simulated seconds.
pub(super) fn scenario(seconds: u64) -> String {
    let main: String = MAIN.lines().map(|l| format!("    {l}\n")).collect();
    SCRIPT
        .replace("DURATION", &format!("{seconds}s"))
        .replace("END_AT", &format!("{}ms", seconds * 1000 - 5))
        .replace("MAIN\n", &main)
}

/// The bare run: `sys.lua` and `main.lua` over the stub, to the same end. Returns the count the
/// script logged.
fn bare(boot_ms: u64, end_ms: u64) -> Result<u64, String> {
    let lua = super::bare_lua()?;
    let run = || -> mlua::Result<Option<u64>> {
        let logged = stub_rtos::install(&lua, boot_ms, end_ms)?;
        let sys: mlua::Value = lua.load(SYS_LUA).set_name("@sys.lua").call(())?;
        lua.globals().set("sys", sys)?;
        match lua.load(MAIN).set_name("@/scripts/main.lua").exec() {
            Err(e) if e.to_string().contains(stub_rtos::DONE) => {}
            other => other?,
        }
        Ok(logged.get())
    };
    run().map_err(|e| e.to_string())?.ok_or_else(|| "the bare run logged no count".to_string())
}

pub fn run(size: Size) -> Result<BenchResult, String> {
    let seconds = if size == Size::Full { 3_600 } else { 60 };
    let boot_ms = parse_yaml(&scenario(seconds))?.profile.boot_ms;
    let (fired, bare_wall) = timed(|| bare(boot_ms, seconds * 1000 - 5));
    let fired = fired?;
    // The simulator must log the count the bare run did: the same expiries, to the end.
    let expect = format!("expect:\n  - log: \"I/user.storm {fired}\"\n");
    let scenario = parse_yaml(&format!("{}{expect}", scenario(seconds)))?;
    let (report, wall) = timed(|| luasim_core::runtime::run(&scenario, &RunOptions::default()));
    let report = report.map_err(|e| e.to_string())?;
    if !report.passed() {
        return Err(format!("the simulator did not log the bare run's count of {fired} expiries"));
    }
    let simulated = report.stats.simulated_us as f64 / 1e6;
    let real_time = simulated / wall.as_secs_f64();
    let per_s = fired as f64 / wall.as_secs_f64();
    Ok(BenchResult::new(
        "timer-storm",
        format!("64 timers at 10 ms for {seconds} simulated s: simulator vs bare mlua with a stub rtos"),
        vec![
            Figure::count("expiries", fired as f64),
            Figure::seconds("wall", wall),
            Figure::new("expiries / s", per_s, "per_s", format!("{per_s:.0}")),
            Figure::new("simulated / wall", real_time, "ratio", format!("{real_time:.2}x")),
            Figure::new("a simulated day", 86_400.0 / real_time, "s", format!("{:.0} s", 86_400.0 / real_time)),
            Figure::seconds("bare mlua", bare_wall),
            Figure::ratio("simulator / bare", wall.as_secs_f64() / bare_wall.as_secs_f64()).at_most(1.5),
        ],
    ))
}
