//! Helpers shared by the integration tests in `tests/tests/`: run inline scenarios and look at
//! their traces, or find the `luasim` binary to run it as a user does.

use luasim_core::runtime::{self, RunOptions, RunReport};
use luasim_core::scenario::{HostFiles, Scenario};
use luasim_core::time::Micros;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Parses and runs a scenario given as YAML text (scripts inline), keeping every event.
pub fn run_yaml(yaml: &str) -> RunReport {
    let scenario = Scenario::parse(yaml, "inline.yaml", Path::new("."), &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() }).expect("run")
}

/// A scenario around one inline `main.lua` on `device` for `duration`.
pub fn scenario(device: &str, duration: &str, main_lua: &str) -> String {
    let body: String = main_lua.lines().map(|l| format!("    {l}\n")).collect();
    format!("name: inline\ndevice: {device}\nduration: {duration}\nscripts:\n  main.lua: |\n{body}")
}

/// Runs one inline `main.lua` on an esp32 with a 1000 Hz tick.
pub fn run_main(duration: &str, main_lua: &str) -> RunReport {
    run_yaml(&scenario("{ profile: esp32, tick_hz: 1000, boot_ms: 1 }", duration, main_lua))
}

/// The whole trace in its text form.
pub fn trace_text(report: &RunReport) -> String {
    report.events.iter().map(|e| format!("{e}\n")).collect()
}

/// Log lines with their virtual time in ms since boot ends (boot takes 1 ms in `run_main`).
pub fn logs(report: &RunReport) -> Vec<(Micros, String)> {
    report.events.iter().filter_map(|e| e.log_line().map(|l| (e.at_us, l))).collect()
}

/// Log lines only.
pub fn log_lines(report: &RunReport) -> Vec<String> {
    logs(report).into_iter().map(|(_, l)| l).collect()
}

/// Virtual times (µs) of log lines containing `needle`.
pub fn times_of(report: &RunReport, needle: &str) -> Vec<Micros> {
    logs(report).into_iter().filter(|(_, l)| l.contains(needle)).map(|(t, _)| t).collect()
}

/// The `luasim` binary of this build, built once per test process (a no-op when `cargo test
/// --workspace` already built it), with the same Lua version as the tests.
pub fn luasim_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut args = vec!["build", "-q", "-p", "luasim", "--bin", "luasim"];
        if cfg!(feature = "lua53") {
            args.extend(["--no-default-features", "--features", "lua53"]);
        } else if cfg!(feature = "lua55") {
            args.extend(["--no-default-features", "--features", "lua55"]);
        }
        let status = Command::new(cargo).args(&args).current_dir(repo_root()).status().expect("cargo runs");
        assert!(status.success(), "building luasim failed");
        let exe = std::env::current_exe().expect("test executable path");
        exe.parent().and_then(Path::parent).expect("target/<profile>").join("luasim")
    })
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
