//! `luasim tui FILE`: the timeline inspector, over a scenario (run first, keeping every event)
//! or a trace saved by `luasim run --trace-json`.

use super::{load_scenario, load_trace};
use anyhow::bail;
use clap::Args;
use luasim_core::runtime::{self, RunOptions};
use std::path::PathBuf;

#[derive(Args)]
pub struct TuiArgs {
    /// A scenario (.yaml, .yml) to run, or a trace (.json) from `luasim run --trace-json`.
    path: PathBuf,
}

pub fn execute(args: TuiArgs) -> anyhow::Result<bool> {
    let path = &args.path;
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let (events, title, verdicts) = match extension.as_deref() {
        Some("yaml" | "yml") => {
            let scenario = load_scenario(Some(path))?;
            let report = runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() })?;
            (report.events, scenario.name, report.outcomes)
        }
        Some("json") => (load_trace(path)?, path.display().to_string(), Vec::new()),
        _ => bail!("{}: expected a scenario (.yaml, .yml) or a trace (.json)", path.display()),
    };
    luasim_tui::run(events, title, verdicts)?;
    Ok(true)
}
