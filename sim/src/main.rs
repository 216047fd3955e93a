//! `luasim`: the command line. A thin layer over the library: parse arguments, hand each
//! subcommand to its file under `cli/`, and map the result to an exit code (0 pass,
//! 1 expectations failed, 2 error). Before anything runs, a self-check proves this build's Lua is
//! the device's (`runtime::device_lua`); a build that is not refuses to run.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "luasim", version, about = "Deterministic simulator for Lua scripts on ESP32 firmware")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print its trace and a summary (the built-in blink demo when no file is given).
    Run(cli::run::RunArgs),
    /// Run every scenario in a folder on all cores and report (JUnit XML, JSON).
    Test(cli::test::TestArgs),
    /// One scenario of `luasim test`, run in its own process; prints its result as JSON.
    #[command(hide = true)]
    SuiteChild(cli::test::ChildArgs),
    /// Write a scenario as the blob the QEMU firmware plays (docs/pack-format.md).
    Pack(cli::pack::PackArgs),
    /// Measure how fast the simulator runs (docs/BENCHMARKS.md).
    Bench(cli::bench::BenchArgs),
    /// Work with saved traces.
    #[command(subcommand)]
    Trace(cli::trace::TraceCommand),
    /// Explore a run's timeline in the terminal: a scenario (.yaml, run first) or a saved trace (.json).
    Tui(cli::tui::TuiArgs),
    /// Pre-flight check before an OTA push: parse, lint, budgets, reload safety, diff (0 ready, 1 problems, 2 could not check).
    Check(cli::check::CheckArgs),
    /// The device API: print the reference, or write definitions for editors (--luals, --selene).
    Api(cli::api::ApiArgs),
    /// Print the JSON Schema of scenario files, for editors and validators.
    Schema(cli::schema::SchemaArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(err) = luasim_core::runtime::device_lua::self_check() {
        eprintln!("luasim: refusing to run: this build's Lua is not the device's: {err}");
        return ExitCode::from(2);
    }
    if let Err(err) = luasim_core::hostlimit::enable_from_env() {
        eprintln!("luasim: {err}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Run(args) => cli::run::execute(args),
        Command::Test(args) => cli::test::execute(args),
        Command::SuiteChild(args) => cli::test::child(args),
        Command::Bench(args) => cli::bench::execute(args),
        Command::Pack(args) => cli::pack::execute(args),
        Command::Trace(command) => cli::trace::execute(command),
        Command::Tui(args) => cli::tui::execute(args),
        Command::Check(args) => cli::check::execute(args),
        Command::Api(args) => cli::api::execute(args),
        Command::Schema(args) => cli::schema::execute(args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("luasim: {err:#}");
            ExitCode::from(2)
        }
    }
}
