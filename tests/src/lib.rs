//! Helpers shared by the integration tests in `tests/tests/`: run inline scenarios and look at
//! their traces.

use luasim::runtime::{self, RunOptions, RunReport};
use luasim::scenario::{HostFiles, Scenario};
use luasim::time::Micros;
use std::path::Path;

/// Parses and runs a scenario given as YAML text (scripts inline), keeping every event.
pub fn run_yaml(yaml: &str) -> RunReport {
    let scenario = Scenario::parse(yaml, "inline.yaml", Path::new("."), &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    runtime::run(&scenario, &RunOptions { keep_events: true }).expect("run")
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
