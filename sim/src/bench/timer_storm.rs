//! 64 periodic timers at 10 ms: every timer slot busy, 6,400 expiries a simulated second, each
//! one a queue message and a Lua callback through `sys.lua`.

use super::{run_yaml, secs, timed, BenchResult, Size};

/// The workload; `DURATION` is replaced by the run's length. The QEMU workload plays it too.
pub(super) const SCRIPT: &str = r#"
name: timer-storm
device: { profile: esp32s3, tick_hz: 1000 }
duration: DURATION
scripts:
  main.lua: |
    local fired = 0
    for i = 1, 64 do sys.timerLoopStart(function() fired = fired + 1 end, 10) end
    sys.timerLoopStart(function() log.info("storm", fired) end, 3600000)
    sys.run()
"#;

pub fn run(size: Size) -> Result<BenchResult, String> {
    let minutes = if size == Size::Full { 60 } else { 1 };
    let yaml = SCRIPT.replace("DURATION", &format!("{minutes}m"));
    let (report, wall) = timed(|| run_yaml(&yaml));
    let report = report?;
    let simulated = report.stats.simulated_us as f64 / 1e6;
    let expiries = simulated * 6_400.0;
    let ratio = simulated / wall.as_secs_f64();
    Ok(BenchResult {
        name: "timer-storm",
        what: format!("64 timers at 10 ms for {minutes} simulated minute(s)"),
        figures: vec![
            ("expiries".into(), format!("{expiries:.0}")),
            ("wall".into(), secs(wall)),
            ("expiries / s".into(), format!("{:.0}", expiries / wall.as_secs_f64())),
            ("simulated / wall".into(), format!("{ratio:.2}x")),
            ("a simulated day".into(), format!("{:.0} s", 86_400.0 / ratio)),
        ],
        target_met: None,
    })
}
