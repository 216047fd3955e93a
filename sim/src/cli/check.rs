//! `luasim check SCRIPTS...`: the pre-flight check before an OTA push. Parses, lints, runs the
//! scenarios that use the scripts and a built-in smoke run for those none uses, judges budgets
//! and reload safety, diffs against the deployed scripts, and prints a report (human, JSON,
//! GitHub annotations or SARIF). Exit 0 ready to push, 1 not ready, 2 could not check.

use super::color::ColorWhen;
use clap::{Args, ValueEnum};
use luasim_check::api::DeviceApi;
use luasim_check::policy::Severities;
use luasim_check::{format, CheckOptions};
use luasim_core::time::parse_duration;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// How the report is printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people (coloured as --color says: on a terminal unless NO_COLOR is set, by default).
    Human,
    /// The report as JSON.
    Json,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

#[derive(Args)]
#[command(after_help = "Exit status: 0 ready to push (warnings allowed), 1 not ready (errors found), \
2 could not check (unreadable script, unknown --device or finding code, broken scenario file).\n\
Allow a finding in a script with `-- luasim: allow(CODE) reason` on its line (or alone on the line \
above), or `-- luasim: allow-file(CODE) reason` in the comments that open the file.")]
pub struct CheckArgs {
    /// The candidate scripts (rules.lua, main.lua, ...); each replaces the scenario file of its name.
    #[arg(required_unless_present = "api")]
    scripts: Vec<PathBuf>,
    /// Where a candidate goes on the device (`--as /scripts/rules.lua`), one per candidate in order.
    #[arg(long = "as", value_name = "DEVICE_PATH")]
    places: Vec<String>,
    /// The builds the scripts are for, comma-separated (esp32,esp32s3,esp32c3) [default: each
    /// scenario's own; the smoke run on every built-in build].
    #[arg(long, value_name = "PROFILES")]
    device: Option<String>,
    /// Scenarios to run the scripts in [default: the nearest scenarios/ folder from the first
    /// script's folder upward, up to the repository root].
    #[arg(long, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// The deployed scripts: show where the candidates' behaviour differs from theirs.
    #[arg(long, value_name = "DEPLOYED_DIR")]
    against: Option<PathBuf>,
    /// Fail when a scenario draws more charge per day than this.
    #[arg(long, value_name = "MAH")]
    max_mah_per_day: Option<f64>,
    /// How long the built-in smoke run idles after boot (for candidates no scenario uses)
    /// [default: the project's `check: smoke_for`, or 10m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    smoke_for: Option<u64>,
    /// A candidate no scenario uses is an error, not a warning.
    #[arg(long)]
    strict: bool,
    /// Findings with this code are errors (repeatable).
    #[arg(long, value_name = "CODE")]
    deny: Vec<String>,
    /// Findings with this code are warnings (repeatable; not for codes that say a device fails).
    #[arg(long, value_name = "CODE")]
    warn: Vec<String>,
    /// How to print the report.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Print the report as JSON (the same as --format json).
    #[arg(long)]
    json: bool,
    /// Scenario runs at once (0: one per core).
    #[arg(long, short, value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Print the device API reference (Markdown, from sim/check/api/device.yaml) and exit.
    #[arg(long, conflicts_with_all = ["scripts", "json"])]
    api: bool,
}

pub fn execute(args: CheckArgs, color: ColorWhen) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    if args.api {
        out.write_all(DeviceApi::get().markdown().as_bytes())?;
        return Ok(true);
    }
    // In a project, its `check:` policy gives the defaults; the options given here win.
    let project = super::project::current()?;
    let policy = project.map(|p| p.check.clone()).unwrap_or_default();
    let scenarios = args.scenarios.or_else(|| project.map(|p| p.scenarios.clone()).filter(|d| d.is_dir()));
    let options = CheckOptions {
        scripts: args.scripts,
        places: args.places,
        device: args.device.or(policy.device),
        scenarios,
        against: args.against,
        max_mah_per_day: args.max_mah_per_day.or(policy.max_mah_per_day),
        jobs: super::jobs(args.jobs),
        smoke_for: args.smoke_for.or(policy.smoke_for),
        strict: args.strict || policy.strict,
        severities: Severities {
            deny: policy.deny.into_iter().chain(args.deny).collect(),
            warn: policy.warn.into_iter().chain(args.warn).collect(),
        },
        project: project.cloned(),
    };
    let report = luasim_check::check(&options)?;
    match if args.json { Format::Json } else { args.format } {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut out, &format::sarif(&report))?;
            writeln!(out)?;
        }
        Format::Github => out.write_all(format::github(&report).as_bytes())?,
        Format::Human => {
            out.write_all(report.render(color.enabled(out.is_terminal())).as_bytes())?;
        }
    }
    Ok(report.ready())
}
