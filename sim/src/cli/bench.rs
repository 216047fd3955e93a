//! `luasim bench [--quick] [--only NAME] [--json] [--strict]`: run the benchmark workloads and
//! print their figures (docs/BENCHMARKS.md explains them) with the machine's load average at the
//! start and the end. Targets are reported; only `--strict` makes a missed one exit 1.

use super::pipe;
use clap::Args;
use luasim::bench::{load_average, Size, ALL};
use std::io::Write;

#[derive(Args)]
#[command(after_help = "Exit status: 0 every workload ran (with --strict: and met its targets), \
1 with --strict a workload missed a target, 2 a workload could not run.")]
pub struct BenchArgs {
    /// Small workloads, for a quick look (seconds instead of minutes).
    #[arg(long)]
    quick: bool,
    /// Run only this workload (wake-year, timer-storm, message-storm, state-creation, suite, qemu).
    #[arg(long)]
    only: Option<String>,
    /// Print the results as JSON: `load_average` (`start`, `end`) and `workloads`, each with its
    /// figures as `{name, value, unit, text}` (and `target` where it has one).
    #[arg(long)]
    json: bool,
    /// Exit 1 when a workload misses a target.
    #[arg(long)]
    strict: bool,
}

/// What `--json` prints.
#[derive(serde::Serialize)]
struct Report<'a> {
    load_average: Load,
    workloads: &'a [luasim::bench::BenchResult],
}

/// The 1-, 5- and 15-minute load averages when the run started and when it ended (null where
/// the system does not tell).
#[derive(serde::Serialize)]
struct Load {
    start: Option<[f64; 3]>,
    end: Option<[f64; 3]>,
}

fn load_text(load: Option<[f64; 3]>) -> String {
    load.map_or_else(|| "unknown".to_string(), |[a, b, c]| format!("{a:.2} {b:.2} {c:.2}"))
}

pub fn execute(args: BenchArgs) -> anyhow::Result<bool> {
    let size = if args.quick { Size::Quick } else { Size::Full };
    let chosen: Vec<_> = ALL.iter().filter(|w| args.only.as_deref().is_none_or(|o| o == w.name)).collect();
    anyhow::ensure!(!chosen.is_empty(), "no workload named {:?}", args.only.unwrap_or_default());
    let start = load_average();
    let mut results = Vec::new();
    for workload in chosen {
        pipe::note!("running {} ...", workload.name);
        results.push((workload.run)(size).map_err(|e| anyhow::anyhow!("{}: {e}", workload.name))?);
    }
    let load = Load { start, end: load_average() };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &Report { load_average: load, workloads: &results })?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "load average (1, 5, 15 min): {} at the start, {} at the end",
            load_text(load.start),
            load_text(load.end)
        )?;
        for r in &results {
            let verdict = match r.target_met {
                Some(true) => " [target met]",
                Some(false) => " [TARGET MISSED]",
                None => "",
            };
            writeln!(out, "{}: {}{verdict}", r.name, r.what)?;
            for figure in &r.figures {
                writeln!(out, "  {:<18} {}", figure.name, figure.text)?;
            }
        }
    }
    Ok(!args.strict || results.iter().all(|r| r.target_met != Some(false)))
}
