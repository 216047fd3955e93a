//! `luasim bench [--quick] [--only NAME] [--json]`: run the benchmark workloads and print their
//! figures (docs/BENCHMARKS.md explains them). Exit 1 when a workload misses its target.

use super::pipe;
use clap::Args;
use luasim::bench::{Size, ALL};
use std::io::Write;

#[derive(Args)]
#[command(after_help = "Exit status: 0 every workload with a target met it, 1 one missed its target, \
2 a workload could not run.")]
pub struct BenchArgs {
    /// Small workloads, for a quick look (seconds instead of minutes).
    #[arg(long)]
    quick: bool,
    /// Run only this workload (wake-year, timer-storm, message-storm, state-creation, suite).
    #[arg(long)]
    only: Option<String>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

pub fn execute(args: BenchArgs) -> anyhow::Result<bool> {
    let size = if args.quick { Size::Quick } else { Size::Full };
    let chosen: Vec<_> = ALL.iter().filter(|w| args.only.as_deref().is_none_or(|o| o == w.name)).collect();
    anyhow::ensure!(!chosen.is_empty(), "no workload named {:?}", args.only.unwrap_or_default());
    let mut results = Vec::new();
    for workload in chosen {
        pipe::note!("running {} ...", workload.name);
        results.push((workload.run)(size).map_err(|e| anyhow::anyhow!("{}: {e}", workload.name))?);
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &results)?;
        writeln!(out)?;
    } else {
        for r in &results {
            let verdict = match r.target_met {
                Some(true) => " [target met]",
                Some(false) => " [TARGET MISSED]",
                None => "",
            };
            writeln!(out, "{}: {}{verdict}", r.name, r.what)?;
            for (label, value) in &r.figures {
                writeln!(out, "  {label:<18} {value}")?;
            }
        }
    }
    Ok(results.iter().all(|r| r.target_met != Some(false)))
}
