//! Runs a folder of scenarios on all cores: `luasim test`.
//!
//! The scenarios go through the worker pool (`luasim_core::pool`, which `luasim check` uses too):
//! each runs start to finish on one thread (a Lua state never moves between threads), at most
//! `jobs` at once; results arrive in completion order for progress and are reported sorted by
//! path, so the report is deterministic.
//!
//! A scenario runs either in this process (`run_one`) or isolated in a child process
//! (`run_isolated`: the `luasim` binary runs it and prints its entry as JSON), so that one that
//! crashes the simulator, exhausts memory or hits the host-time limit becomes an error row
//! with its reason while every other result is kept.

use luasim_core::pool;
use luasim_core::project::Project;
use luasim_core::runtime::{self, RunOptions, RunReport};
use luasim_core::scenario::{HostFiles, Scenario, ScenarioErrorKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;
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
    /// The scenario needs what this build lacks (`ScenarioErrorKind::Unsupported`).
    Skip,
}

/// How the reason of a skipped scenario starts (it travels from the child as text).
const SKIPPED: &str = "skipped: ";

impl SuiteEntry {
    pub fn verdict(&self) -> Verdict {
        match &self.result {
            Ok(r) if r.passed() => Verdict::Pass,
            Ok(_) => Verdict::Fail,
            Err(reason) if reason.starts_with(SKIPPED) => Verdict::Skip,
            Err(_) => Verdict::Error,
        }
    }
}

/// Loads and runs one scenario file (outside a project) in this process, timing it.
pub fn run_one(path: &Path) -> SuiteEntry {
    let started = Instant::now();
    let ChildResult { name, result } = run_for_child(path, None);
    SuiteEntry { name, path: path.display().to_string(), result, wall: started.elapsed() }
}

/// What a scenario run in a child process prints: its name and report, or why it could not run.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChildResult {
    pub name: String,
    pub result: Result<RunReport, String>,
}

/// How many of the last trace lines a suite's report keeps per scenario (JUnit's
/// `<system-out>`).
pub const TAIL_LINES: usize = 20;

/// Loads and runs one scenario (in `project`, if any): the work of the child process
/// `run_isolated` starts.
pub fn run_for_child(path: &Path, project: Option<&Project>) -> ChildResult {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    match Scenario::load_in(path, &HostFiles, project.map(|p| &p.defaults)) {
        Err(e) if e.kind == ScenarioErrorKind::Unsupported => {
            ChildResult { name: stem, result: Err(format!("{SKIPPED}{e}")) }
        }
        Err(e) => ChildResult { name: stem, result: Err(e.to_string()) },
        Ok(scenario) => {
            let options = RunOptions { tail: TAIL_LINES, ..RunOptions::default() };
            let result = runtime::run(&scenario, &options).map_err(|e| e.to_string());
            ChildResult { name: scenario.name, result }
        }
    }
}

/// Runs one scenario file in a child process: `luasim` (the executable `exe`) with the
/// arguments `args` and the path, which prints a `ChildResult` as JSON. A child that crashes,
/// is killed or prints no result gives an error entry saying how it ended and what it said.
pub fn run_isolated(exe: &Path, args: &[&str], path: &Path) -> SuiteEntry {
    let started = Instant::now();
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let output = Command::new(exe).args(args).arg(path).stdin(std::process::Stdio::null()).output();
    let (name, result) = match output {
        Err(e) => (stem, Err(format!("could not start {}: {e}", exe.display()))),
        Ok(out) => match serde_json::from_slice::<ChildResult>(&out.stdout) {
            Ok(child) => (child.name, child.result),
            Err(_) => (stem, Err(child_failure(&out))),
        },
    };
    SuiteEntry { name, path: path.display().to_string(), result, wall: started.elapsed() }
}

/// How a child that printed no result ended, with the last lines of its stderr.
fn child_failure(out: &std::process::Output) -> String {
    use std::os::unix::process::ExitStatusExt;
    let ended = match (out.status.code(), out.status.signal()) {
        (Some(code), _) => format!("the run ended with exit code {code} and no result"),
        (None, Some(signal)) => format!("the run crashed (signal {signal}{})", signal_name(signal)),
        (None, None) => "the run ended without an exit code".to_string(),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = last[last.len().saturating_sub(3)..].join(" / ");
    if tail.is_empty() {
        ended
    } else {
        format!("{ended}: {tail}")
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        6 => ", SIGABRT: an abort, such as running out of memory",
        9 => ", SIGKILL",
        11 => ", SIGSEGV: a memory fault",
        _ => "",
    }
}

/// Runs `paths` through `run` (`run_one`, or a closure around `run_isolated`) with up to
/// `jobs` at once on the worker pool; `progress(done, total, entry)` sees each result as it
/// completes. Returns the entries sorted by path.
pub fn run_all(
    paths: Vec<PathBuf>,
    jobs: usize,
    run: impl Fn(&Path) -> SuiteEntry + Sync,
    mut progress: impl FnMut(usize, usize, &SuiteEntry),
) -> Vec<SuiteEntry> {
    let total = paths.len();
    let mut finished = 0;
    let results = pool::run(
        &paths,
        jobs,
        |path: &PathBuf| run(path),
        |_, result| {
            finished += 1;
            match result {
                Ok(entry) => progress(finished, total, entry),
                Err(panic) => progress(finished, total, &panicked(panic)),
            }
        },
    );
    let mut entries: Vec<SuiteEntry> = results.into_iter().map(|r| r.unwrap_or_else(|p| panicked(&p))).collect();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries
}

/// The entry of a run that panicked in this process.
fn panicked(panic: &pool::Panic) -> SuiteEntry {
    SuiteEntry {
        name: "?".into(),
        path: "?".into(),
        result: Err(format!("the run panicked: {}", pool::panic_message(panic))),
        wall: Duration::ZERO,
    }
}
