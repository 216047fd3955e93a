//! `luasim check SCRIPTS...`: the pre-flight check before an OTA push. Parses, lints, runs the
//! scenarios that use the scripts, judges budgets and reload safety, diffs against the deployed
//! scripts, and prints a report (or JSON). Exit 0 ready to push, 1 problems found, 2 could not
//! check.

use clap::Args;
use luasim::check::api::DeviceApi;
use luasim::check::{self, CheckOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where scenarios are looked for when `--scenarios` is not given.
const DEFAULT_SCENARIOS: &str = "scenarios";

#[derive(Args)]
pub struct CheckArgs {
    /// The candidate scripts (rules.lua, main.lua, ...); each replaces the scenario file of its name.
    #[arg(required_unless_present = "api")]
    scripts: Vec<PathBuf>,
    /// The build the scripts are for (esp32, esp32s3, esp32c3): its optional modules and heap.
    #[arg(long, value_name = "PROFILE")]
    device: Option<String>,
    /// Scenarios to run the scripts in [default: scenarios/ if present].
    #[arg(long, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// The deployed scripts: show where the candidates' behaviour differs from theirs.
    #[arg(long, value_name = "DEPLOYED_DIR")]
    against: Option<PathBuf>,
    /// Fail when a scenario draws more charge per day than this.
    #[arg(long, value_name = "MAH")]
    max_mah_per_day: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Scenario runs at once (default: all cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Print the device API reference (Markdown, from sim/api/device.yaml) and exit.
    #[arg(long, conflicts_with_all = ["scripts", "json"])]
    api: bool,
}

pub fn execute(args: CheckArgs) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    if args.api {
        out.write_all(DeviceApi::get().markdown().as_bytes())?;
        return Ok(true);
    }
    let scenarios = args.scenarios.or_else(|| {
        let default = Path::new(DEFAULT_SCENARIOS);
        default.is_dir().then(|| default.to_path_buf())
    });
    let options = CheckOptions {
        scripts: args.scripts,
        device: args.device,
        scenarios,
        against: args.against,
        max_mah_per_day: args.max_mah_per_day,
        jobs: args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let report = check::check(&options)?;
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let colour = out.is_terminal() && std::env::var_os("NO_COLOR").is_none();
        out.write_all(report.render(colour).as_bytes())?;
    }
    Ok(report.ready())
}
