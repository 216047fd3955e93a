//! Every scenario in `scenarios/` passes, and running it twice gives a byte-identical trace.

use luasim::runtime::{self, RunOptions};
use luasim::scenario::{HostFiles, Scenario};
use std::path::{Path, PathBuf};

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn trace_of(path: &Path) -> (bool, String) {
    let scenario = Scenario::load(path, &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    let report = runtime::run(&scenario, &RunOptions { keep_events: true }).expect("runs");
    let text: String = report.events.iter().map(|e| format!("{e}\n")).collect();
    (report.passed(), text)
}

#[test]
fn every_bundled_scenario_passes_and_is_deterministic() {
    let files = scenario_files();
    assert!(files.len() >= 2, "expected bundled scenarios, found {files:?}");
    for path in files {
        let (passed, first) = trace_of(&path);
        assert!(passed, "{} failed", path.display());
        let (_, second) = trace_of(&path);
        assert!(first == second, "{}: two runs gave different traces", path.display());
    }
}
