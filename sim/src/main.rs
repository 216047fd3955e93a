//! `luasim`: the command line. A thin layer over the library: parse arguments, hand each
//! subcommand to its file under `cli/`, and map the result to an exit code (0 pass,
//! 1 expectations failed, 2 error).

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
    /// Work with saved traces.
    #[command(subcommand)]
    Trace(cli::trace::TraceCommand),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Run(args) => cli::run::execute(args),
        Command::Test(args) => cli::test::execute(args),
        Command::Trace(command) => cli::trace::execute(command),
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
