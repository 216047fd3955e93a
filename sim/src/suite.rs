//! Runs a folder of scenarios on all cores: `luasim test`.
//!
//! tokio drives this edge only: each scenario runs start to finish on one blocking thread (a
//! Lua state never moves between threads), at most `jobs` at once; results arrive in completion
//! order for progress and are reported sorted by path, so the report is deterministic.

use crate::runtime::{self, RunOptions, RunReport};
use crate::scenario::{HostFiles, Scenario};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One scenario's result in a suite.
#[derive(Debug)]
pub struct SuiteEntry {
    pub name: String,
    pub path: String,
    /// The report, or why the scenario could not run.
    pub result: Result<RunReport, String>,
    pub wall: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Error,
}

impl SuiteEntry {
    pub fn verdict(&self) -> Verdict {
        match &self.result {
            Ok(r) if r.passed() => Verdict::Pass,
            Ok(_) => Verdict::Fail,
            Err(_) => Verdict::Error,
        }
    }
}

/// Every `*.yaml` below `dir`, sorted.
pub fn find_scenarios(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Loads and runs one scenario file, timing it.
pub fn run_one(path: &Path) -> SuiteEntry {
    let started = Instant::now();
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let (name, result) = match Scenario::load(path, &HostFiles) {
        Err(e) => (stem, Err(e.to_string())),
        Ok(scenario) => {
            let result = runtime::run(&scenario, &RunOptions::default()).map_err(|e| e.to_string());
            (scenario.name, result)
        }
    };
    SuiteEntry { name, path: path.display().to_string(), result, wall: started.elapsed() }
}

/// Runs `paths` with up to `jobs` at once; `progress(done, total, entry)` sees each result as
/// it completes. Returns the entries sorted by path.
pub fn run_all(
    paths: Vec<PathBuf>,
    jobs: usize,
    mut progress: impl FnMut(usize, usize, &SuiteEntry),
) -> Vec<SuiteEntry> {
    let total = paths.len();
    let jobs = jobs.max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(jobs)
        .build()
        .expect("a tokio runtime can be built");
    let mut entries = rt.block_on(async move {
        let permits = Arc::new(tokio::sync::Semaphore::new(jobs));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for path in paths {
            let (permits, tx) = (permits.clone(), tx.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.expect("semaphore stays open");
                let entry = tokio::task::spawn_blocking(move || run_one(&path)).await;
                let _ = tx.send(entry);
            });
        }
        drop(tx);
        let mut entries = Vec::with_capacity(total);
        while let Some(joined) = rx.recv().await {
            let entry = joined.unwrap_or_else(|e| SuiteEntry {
                name: "?".into(),
                path: "?".into(),
                result: Err(format!("the run panicked: {e}")),
                wall: Duration::ZERO,
            });
            progress(entries.len() + 1, total, &entry);
            entries.push(entry);
        }
        entries
    });
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries
}
