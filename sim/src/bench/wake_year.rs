//! A device that wakes once a minute from deep sleep for a simulated year: 525,600 wakes, each a
//! fresh Lua state running `main.lua` and `rules.lua`. Target: under 60 s on one core.

use super::{run_yaml, secs, timed, BenchResult, Size};

const SCRIPT: &str = r#"
name: wake-year
device: esp32s3
duration: DURATION
scripts:
  main.lua: |
    local n = (RTC.get("n") or 0) + 1
    RTC.set("n", n)
    if n % 1440 == 0 then log.info("watch", "day", n // 1440) end
  rules.lua: |
    local history = RTC.get("h") or {}
    history[#history + 1] = os.time() % 100
    if #history > 10 then table.remove(history, 1) end
    RTC.set("h", history)
    Node.deepSleep(60000 - Node.uptime())
"#;

pub fn run(size: Size) -> Result<BenchResult, String> {
    let days = if size == Size::Full { 365 } else { 2 };
    let yaml = SCRIPT.replace("DURATION", &format!("{days}d"));
    let (report, wall) = timed(|| run_yaml(&yaml));
    let report = report?;
    let wakes = report.stats.boots;
    let per_wake_us = wall.as_secs_f64() * 1e6 / wakes as f64;
    let year_s = per_wake_us * 525_600.0 / 1e6;
    Ok(BenchResult {
        name: "wake-year",
        what: format!("{days} simulated days of one-minute deep-sleep wakes (fresh state each)"),
        figures: vec![
            ("wakes".into(), wakes.to_string()),
            ("wall".into(), secs(wall)),
            ("per wake".into(), format!("{per_wake_us:.1} µs")),
            ("a year of wakes".into(), format!("{year_s:.1} s (target < 60 s)")),
            ("simulated / wall".into(), format!("{:.0}x", report.stats.simulated_us as f64 / 1e6 / wall.as_secs_f64())),
        ],
        target_met: Some(year_s < 60.0),
    })
}
