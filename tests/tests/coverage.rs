//! Line coverage of the device's scripts (`luasim run --coverage FILE`): LCOV that `genhtml`
//! reads, lines with code that never ran counted as such, and a trace that does not change
//! (only the heap peaks may rise by the stack Lua reserves for the line hook's calls).

use luasim_core::runtime::{self, RunOptions};
use luasim_core::scenario::{HostFiles, Scenario};
use luasim_tests::{luasim_binary, repo_root, trace_text};
use std::process::Command;

fn run(path: &str, coverage: bool) -> runtime::RunReport {
    let scenario = Scenario::load(&repo_root().join(path), &HostFiles).expect("scenario loads");
    runtime::run(&scenario, &RunOptions { keep_events: true, coverage, ..RunOptions::default() }).expect("run")
}

#[test]
fn coverage_does_not_change_the_trace() {
    for path in [
        "scenarios/boiler_reload.yaml",
        "scenarios/task_errors.yaml",
        "scenarios/crosscheck/deep_sleep_region.yaml",
        "scenarios/crosscheck/watchdog_reset.yaml",
    ] {
        let (plain, covered) = (run(path, false), run(path, true));
        assert_eq!(trace_text(&plain), trace_text(&covered), "{path}: the trace is the same with coverage");
        // Lua reserves stack for each hook call it makes, and a line hook fires at points the
        // watchdog's count hook does not: the heap peaks may rise a little, nothing else.
        // Lua 5.3's collector is paced in host bytes, which the hooks' stack moves too, so its
        // collections shift and the peak may also fall a little (docs/memory.md).
        let rise = covered.stats.heap_peak_bytes as i64 - plain.stats.heap_peak_bytes as i64;
        let lowest = if cfg!(feature = "lua53") { -1024 } else { 0 };
        assert!((lowest..=1024).contains(&rise), "{path}: heap peak rises by {rise} bytes with coverage");
        let without_heap = |s: &luasim_core::figures::Stats| luasim_core::figures::Stats {
            heap_peak_bytes: 0,
            host_heap_peak_bytes: 0,
            ..s.clone()
        };
        assert_eq!(without_heap(&plain.stats), without_heap(&covered.stats), "{path}: the other figures are the same");
        assert!(plain.coverage.is_none() && covered.coverage.is_some());
    }
}

#[test]
fn every_script_gets_its_lines_and_unrun_code_counts_as_unrun() {
    let report = run("scenarios/boiler_reload.yaml", true);
    let coverage = report.coverage.expect("coverage");
    let main = &coverage.files["/scripts/main.lua"];
    assert!(main[&3] > 0, "line 3 runs at every boot: {main:?}");
    assert!(coverage.files.contains_key("/scripts/rules.lua"));
    if cfg!(feature = "lua54") {
        // The heartbeat's body (lines 13-14) never runs in this scenario's first minute.
        assert_eq!((main.get(&13), main.get(&14)), (Some(&0), Some(&0)), "{main:?}");
        assert!(!main.contains_key(&11) && !main.contains_key(&4), "comments and blank lines have no code");
    }
}

#[test]
fn run_writes_lcov_that_genhtml_reads() {
    let dir = std::env::temp_dir().join(format!("luasim-coverage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let lcov = dir.join("lcov.info");
    let out = Command::new(luasim_binary())
        .args(["run", "scenarios/boiler_reload.yaml", "-q", "--coverage"])
        .arg(&lcov)
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("coverage   main.lua ") && summary.contains("rules.lua "), "{summary}");
    let text = std::fs::read_to_string(&lcov).unwrap();
    for script in ["lua/examples/boiler/main.lua", "lua/examples/boiler/rules.lua"] {
        let record = text.split("end_of_record").find(|r| r.contains(script)).unwrap_or_else(|| panic!("{text}"));
        assert!(record.lines().any(|l| l.starts_with("DA:")), "{script}: DA lines: {record}");
    }
    match Command::new("genhtml").arg(&lcov).arg("-o").arg(dir.join("html")).arg("-q").output() {
        Ok(html) => {
            assert!(html.status.success(), "genhtml refused it: {}", String::from_utf8_lossy(&html.stderr));
            assert!(dir.join("html/index.html").exists());
        }
        Err(e) => assert!(std::env::var_os("CI").is_none(), "CI installs genhtml (lcov): {e}"),
    }
}
