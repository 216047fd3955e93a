//! `luasim run [SCENARIO]`: run one scenario, print its trace and summary, optionally export;
//! `--seed` and `--duration` override the scenario's own.

use super::{load_scenario, output};
use clap::Args;
use luasim::export::perfetto;
use luasim_core::runtime::{self, RunOptions, RunReport};
use luasim_core::scenario::Scenario;
use luasim_core::time::{parse_duration, Micros};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct RunArgs {
    /// Scenario YAML file (the built-in blink demo when omitted).
    scenario: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
    /// Seed the run with N instead of the scenario's `seed:`.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Run for this long instead of the scenario's `duration:` (written as there: 90s, 2h, 7d).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    duration: Option<Micros>,
}

/// What a run writes, and where: shared by `run` and `live`.
#[derive(Args)]
pub struct OutputArgs {
    /// Print only the summary, not the trace.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the summary and expectation outcomes as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write every trace event as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub trace_json: Option<PathBuf>,
    /// Also write the trace as Chrome trace-event JSON for Perfetto to this file.
    #[arg(long, value_name = "PATH")]
    pub perfetto: Option<PathBuf>,
    /// Also count line coverage of the device's scripts and write it to this file as LCOV
    /// (`genhtml` makes HTML of it); the summary gets each script's share. The trace is the same.
    #[arg(long, value_name = "PATH")]
    pub coverage: Option<PathBuf>,
}

impl OutputArgs {
    /// Refuses two outputs that name the same file (before anything runs).
    pub fn check(&self) -> anyhow::Result<()> {
        output::distinct(&[
            ("--trace-json", self.trace_json.as_deref()),
            ("--perfetto", self.perfetto.as_deref()),
            ("--coverage", self.coverage.as_deref()),
        ])
    }

    /// The options a run needs for these outputs.
    pub fn run_options(&self) -> RunOptions {
        let keep_events = !self.quiet || self.trace_json.is_some() || self.perfetto.is_some();
        RunOptions { keep_events, coverage: self.coverage.is_some(), ..RunOptions::default() }
    }

    /// Whether the trace is printed on stdout.
    pub fn prints_trace(&self) -> bool {
        !self.quiet && !self.json
    }
}

pub fn execute(args: RunArgs) -> anyhow::Result<bool> {
    args.output.check()?;
    let mut scenario = load_scenario(args.scenario.as_deref())?;
    if scenario.fleet.is_some() && args.output.coverage.is_some() {
        anyhow::bail!("{}: --coverage: a fleet's coverage is not collected (docs/fleets.md)", scenario.origin);
    }
    scenario.seed = args.seed.unwrap_or(scenario.seed);
    scenario.duration = args.duration.unwrap_or(scenario.duration);
    let started = Instant::now();
    let report =
        runtime::run(&scenario, &args.output.run_options()).map_err(|e| anyhow::anyhow!("{}: {e}", scenario.origin))?;
    write_report(&scenario, &report, &args.output, started.elapsed(), true)
}

/// Writes what `outputs` asks for of a finished run: the files, then on stdout the trace
/// (unless `print_trace` is false: already printed as it happened) and the summary, or JSON.
/// Returns whether every expectation held.
pub fn write_report(
    scenario: &Scenario,
    report: &RunReport,
    outputs: &OutputArgs,
    wall: Duration,
    print_trace: bool,
) -> anyhow::Result<bool> {
    if let Some(path) = &outputs.trace_json {
        output::write(path, |out| Ok(luasim_core::tracefile::write(&report.events, out)?))?;
    }
    if let (Some(path), Some(coverage)) = (&outputs.coverage, &report.coverage) {
        let lcov = coverage.lcov(|device_path| host_source(scenario, device_path));
        output::write(path, |out| Ok(out.write_all(lcov.as_bytes())?))?;
    }
    if let Some(path) = &outputs.perfetto {
        output::write(path, |out| Ok(perfetto::write(&scenario.name, &report.events, out)?))?;
    }
    let mut out = std::io::stdout().lock();
    if outputs.json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        if !outputs.quiet {
            if print_trace {
                for event in &report.events {
                    writeln!(out, "{event}")?;
                }
            }
            writeln!(out)?;
        }
        write!(out, "{}", luasim_core::summary::render(report, Some(wall)))?;
    }
    Ok(report.passed())
}

/// The host file a script on the device's flash came from, for coverage reports: below the
/// scenario's script folder (absolute, so the report reads from anywhere), when it has one;
/// else the device path (inline scripts).
fn host_source(scenario: &Scenario, device_path: &str) -> String {
    let relative = device_path.strip_prefix(luasim_core::vfs::SCRIPTS_DIR).map(|p| p.trim_start_matches('/'));
    match (&scenario.scripts_dir, relative) {
        (Some(dir), Some(relative)) => {
            let path = dir.join(relative);
            std::fs::canonicalize(&path).unwrap_or(path).display().to_string()
        }
        _ => device_path.to_string(),
    }
}
