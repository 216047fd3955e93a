//! `luasim`: the command line. A thin layer over the library: parse arguments, hand each
//! subcommand to its file under `cli/`, and map the result to an exit code (0 pass,
//! 1 expectations failed, 2 error; 0 also when the reader of its output goes away, see
//! `cli::pipe`). Before anything runs, a self-check proves this build's Lua is
//! the device's (`runtime::device_lua`); a build that is not refuses to run.

mod cli;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cli::color::ColorWhen;
use cli::pipe::note;
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "luasim", version, about = "Deterministic simulator for Lua scripts on ESP32 firmware")]
struct Cli {
    /// When to colour output: the check report, help, errors and logs.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    /// The project file (luasim.yaml) [default: the nearest one from the current folder upward].
    #[arg(long, global = true, value_name = "FILE")]
    project: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print its trace and a summary (the built-in blink demo when no file is given).
    Run(cli::run::RunArgs),
    /// Run a scenario on a real MQTT broker in wall-clock time (the one mode that is not deterministic).
    #[command(long_about = LIVE_ABOUT)]
    Live(cli::live::LiveArgs),
    /// Run scenarios (files, folders; `scenarios` by default) on all cores and report (JUnit XML, JSON).
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
    /// Print a completion script for a shell (bash, zsh, fish, powershell, elvish).
    Completions(cli::completions::CompletionsArgs),
    /// The device API: print the reference, or write definitions for editors (--luals, --selene).
    Api(cli::api::ApiArgs),
    /// Print the JSON Schema of scenario files (or of the project file, luasim.yaml), for editors and validators.
    Schema(cli::schema::SchemaArgs),
    /// Start a project for your firmware's scripts: luasim.yaml, scripts, a module, a scenario, editor and CI files.
    Init(cli::init::InitArgs),
}

const LIVE_ABOUT: &str = "Run a scenario on a real MQTT broker in wall-clock time.

The simulated device joins the broker: MQTT.publish goes out to it, MQTT.subscribe subscribes there, \
and the firmware's own topics work: <prefix>/cmd/lua/reload reloads the scripts, and a message on \
<prefix>/cmd/lua/put/<file> writes its payload to /scripts/<file> on the device's flash. The \
virtual clock follows the wall clock (--speed N: N times faster); scenario steps still play at \
their times, expectations are judged at the end, and the trace is printed as it happens, then the \
summary as `luasim run` prints it. --for or the scenario's duration ends the session, and so does \
Ctrl-C, with the summary.

This is the one wall-clock mode: what arrives from the broker, and when, differs every session, \
so its traces are not deterministic. A broker that cannot be reached is an error (exit 2) within \
3 s; one that goes away mid-session is traced (W/mqtt) and retried every second, and publishes \
fail meanwhile.";

fn main() -> ExitCode {
    luasim_core::runtime::host_environment::remove_from_process();
    let cli = parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(cli.color.enabled(std::io::stderr().is_terminal()))
        .init();
    if let Err(err) = luasim_core::runtime::device_lua::self_check() {
        note!("luasim: refusing to run: this build's Lua is not the device's: {err}");
        return ExitCode::from(2);
    }
    if let Err(err) = luasim_core::hostlimit::enable_from_env() {
        note!("luasim: {err}");
        return ExitCode::from(2);
    }
    cli::project::choose(cli.project.clone());
    let result = match cli.command {
        Command::Run(args) => cli::run::execute(args),
        Command::Live(args) => cli::live::execute(args),
        Command::Test(args) => cli::test::execute(args),
        Command::SuiteChild(args) => cli::test::child(args),
        Command::Bench(args) => cli::bench::execute(args),
        Command::Pack(args) => cli::pack::execute(args),
        Command::Trace(command) => cli::trace::execute(command),
        Command::Tui(args) => cli::tui::execute(args),
        Command::Check(args) => cli::check::execute(args, cli.color),
        Command::Completions(args) => cli::completions::execute(args, &Cli::command()),
        Command::Api(args) => cli::api::execute(args),
        Command::Schema(args) => cli::schema::execute(args),
        Command::Init(args) => cli::init::execute(args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if cli::pipe::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            note!("luasim: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// The command line, parsed by a clap that colours its help and errors as `--color` says.
fn parse() -> Cli {
    let color = ColorWhen::scan(std::env::args_os().skip(1));
    let matches = Cli::command().color(color.for_clap()).version(version()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// What `--version` says after the name: the version, the commit built (`build.rs`) and the
/// Lua this binary links, in its own words (`_VERSION`).
fn version() -> &'static str {
    let lua = mlua::Lua::new().globals().get::<String>("_VERSION").unwrap_or_else(|e| format!("Lua unknown: {e}"));
    format!("{} (commit {}, {lua})", env!("CARGO_PKG_VERSION"), env!("LUASIM_COMMIT")).leak()
}
