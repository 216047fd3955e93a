//! `luasim run [SCENARIO]`: run one scenario, print its trace and summary, optionally export;
//! `--seed` and `--duration` override the scenario's own.

use super::{load_scenario, output};
use clap::Args;
use luasim::export::perfetto;
use luasim_core::runtime::{self, RunOptions};
use luasim_core::time::{parse_duration, Micros};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct RunArgs {
    /// Scenario YAML file (the built-in blink demo when omitted).
    scenario: Option<PathBuf>,
    /// Print only the summary, not the trace.
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary and expectation outcomes as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also write every trace event as JSON to this file.
    #[arg(long, value_name = "PATH")]
    trace_json: Option<PathBuf>,
    /// Also write the trace as Chrome trace-event JSON for Perfetto to this file.
    #[arg(long, value_name = "PATH")]
    perfetto: Option<PathBuf>,
    /// Also count line coverage of the device's scripts and write it to this file as LCOV
    /// (`genhtml` makes HTML of it); the summary gets each script's share. The trace is the same.
    #[arg(long, value_name = "PATH")]
    coverage: Option<PathBuf>,
    /// Seed the run with N instead of the scenario's `seed:`.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Run for this long instead of the scenario's `duration:` (written as there: 90s, 2h, 7d).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    duration: Option<Micros>,
}

pub fn execute(args: RunArgs) -> anyhow::Result<bool> {
    output::distinct(&[
        ("--trace-json", args.trace_json.as_deref()),
        ("--perfetto", args.perfetto.as_deref()),
        ("--coverage", args.coverage.as_deref()),
    ])?;
    let mut scenario = load_scenario(args.scenario.as_deref())?;
    scenario.seed = args.seed.unwrap_or(scenario.seed);
    scenario.duration = args.duration.unwrap_or(scenario.duration);
    let keep_events = !args.quiet || args.trace_json.is_some() || args.perfetto.is_some();
    let started = Instant::now();
    let options = RunOptions { keep_events, coverage: args.coverage.is_some(), ..RunOptions::default() };
    let report = runtime::run(&scenario, &options).map_err(|e| anyhow::anyhow!("{}: {e}", scenario.origin))?;
    let wall = started.elapsed();
    if let Some(path) = &args.trace_json {
        output::write(path, |out| Ok(luasim_core::tracefile::write(&report.events, out)?))?;
    }
    if let (Some(path), Some(coverage)) = (&args.coverage, &report.coverage) {
        let lcov = coverage.lcov(|device_path| host_source(&scenario, device_path));
        output::write(path, |out| Ok(out.write_all(lcov.as_bytes())?))?;
    }
    if let Some(path) = &args.perfetto {
        output::write(path, |out| Ok(perfetto::write(&scenario.name, &report.events, out)?))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        if !args.quiet {
            for event in &report.events {
                writeln!(out, "{event}")?;
            }
            writeln!(out)?;
        }
        write!(out, "{}", luasim_core::summary::render(&report, Some(wall)))?;
    }
    Ok(report.passed())
}

/// The host file a script on the device's flash came from, for coverage reports: below the
/// scenario's script folder (absolute, so the report reads from anywhere), when it has one;
/// else the device path (inline scripts).
fn host_source(scenario: &luasim_core::scenario::Scenario, device_path: &str) -> String {
    let relative = device_path.strip_prefix(luasim_core::vfs::SCRIPTS_DIR).map(|p| p.trim_start_matches('/'));
    match (&scenario.scripts_dir, relative) {
        (Some(dir), Some(relative)) => {
            let path = dir.join(relative);
            std::fs::canonicalize(&path).unwrap_or(path).display().to_string()
        }
        _ => device_path.to_string(),
    }
}
