//! `luasim`: the command line. A thin layer over the library: parse arguments, load, run,
//! print, and map the result to an exit code (0 pass, 1 expectations failed, 2 error).

use anyhow::Context;
use clap::{Parser, Subcommand};
use luasim::runtime::{self, RunOptions};
use luasim::scenario::{Embedded, Files, HostFiles, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The scenario `luasim run` runs when given none, with its scripts, compiled in.
const DEFAULT_SCENARIO: &str = "scenarios/blink.yaml";
const BUILT_IN_FILES: Embedded = Embedded(&[
    ("scenarios/blink.yaml", include_str!("../../scenarios/blink.yaml")),
    ("lua/examples/blink/main.lua", include_str!("../../lua/examples/blink/main.lua")),
]);

#[derive(Parser)]
#[command(name = "luasim", version, about = "Deterministic simulator for Lua scripts on ESP32 firmware")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print its trace and a summary (the built-in blink demo when no file is given).
    Run {
        /// Scenario YAML file.
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
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("luasim: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command; `Ok(passed)`.
fn execute(command: Command) -> anyhow::Result<bool> {
    match command {
        Command::Run { scenario, quiet, json, trace_json } => {
            let scenario = load(scenario.as_deref())?;
            let options = RunOptions { keep_events: !quiet || trace_json.is_some() };
            let started = Instant::now();
            let report = runtime::run(&scenario, &options)?;
            let wall = started.elapsed();
            if let Some(path) = trace_json {
                let text = serde_json::to_string_pretty(&report.events)?;
                std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            }
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                if !quiet {
                    for event in &report.events {
                        writeln!(out, "{event}")?;
                    }
                    writeln!(out)?;
                }
                write!(out, "{}", luasim::summary::render(&report, Some(wall)))?;
            }
            Ok(report.passed())
        }
    }
}

fn load(path: Option<&Path>) -> anyhow::Result<Scenario> {
    let (path, files): (&Path, &dyn Files) = match path {
        Some(p) => (p, &HostFiles),
        None => (Path::new(DEFAULT_SCENARIO), &BUILT_IN_FILES),
    };
    Ok(Scenario::load(path, files)?)
}
