//! 100 scenarios on all cores against one core: `luasim test`'s parallel speed-up.
//!
//! On a shared machine one serial and one parallel run see different loads (a speed-up above
//! the core count was measured so), so the two alternate for `ROUNDS` rounds and the fastest of
//! each counts: the run least disturbed by others.

use super::{timed, BenchResult, Figure, Size};
use crate::suite::{run_all, run_one};
use std::path::PathBuf;
use std::time::Duration;

/// A scenario of moderate, equal cost: a producer/consumer pair for a simulated hour.
const SCENARIO: &str = r#"name: suite-NUMBER
device: esp32
duration: 10m
scripts:
  main.lua: |
    sys.taskInit(function() while true do sys.wait(50) sys.publish("D", 1) end end)
    local n = 0
    sys.subscribe("D", function(v) n = n + v end)
    sys.run()
"#;

/// Serial and parallel runs, alternating.
const ROUNDS: usize = 3;

pub fn run(size: Size) -> Result<BenchResult, String> {
    let count = if size == Size::Full { 100 } else { 8 };
    let dir = std::env::temp_dir().join(format!("luasim-bench-suite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let paths: Vec<PathBuf> = (0..count)
        .map(|i| {
            let path = dir.join(format!("s{i:03}.yaml"));
            std::fs::write(&path, SCENARIO.replace("NUMBER", &i.to_string())).map(|()| path)
        })
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut serial, mut parallel, mut entries) = (Duration::MAX, Duration::MAX, Vec::new());
    for _ in 0..ROUNDS {
        let (_, one) = timed(|| {
            for path in &paths {
                run_one(path);
            }
        });
        let (all, wall) = timed(|| run_all(paths.clone(), cores, run_one, |_, _, _| {}));
        (serial, parallel, entries) = (serial.min(one), parallel.min(wall), all);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let failed = entries.iter().filter(|e| e.verdict() != crate::suite::Verdict::Pass).count();
    if failed > 0 {
        return Err(format!("{failed} bench scenarios failed"));
    }
    Ok(BenchResult::new(
        "suite",
        format!(
            "{count} scenarios of 10 simulated minutes: {cores} cores vs one, fastest of {ROUNDS} alternating rounds"
        ),
        vec![
            Figure::seconds("one core", serial),
            Figure::seconds(format!("{cores} cores"), parallel),
            Figure::ratio("speed-up", serial.as_secs_f64() / parallel.as_secs_f64()),
        ],
    ))
}
