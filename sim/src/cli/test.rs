//! `luasim test [PATH...] [--filter REGEX]`: run scenarios (files, folders) on all cores, show
//! progress, print a summary table, and write JUnit XML and JSON for CI systems; `--merge`
//! reports the shards of a partitioned suite as one (`merge.rs`). Each scenario runs in a child
//! process (`luasim suite-child PATH`), so that one that crashes or hangs is an error row, not
//! the end of the suite.

use super::merge::{self, Shard};
use super::partition::Partition;
use super::{output, pipe, select};
use clap::Args;
use luasim::export::junit;
use luasim::suite::{self, SuiteEntry, Verdict};
use luasim_core::time::Secs;
use regex::Regex;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct TestArgs {
    /// Scenario files, and folders searched recursively for *.yaml [default: the project's
    /// `scenarios:` folder, or `scenarios`].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Run only the scenarios whose path or name this regular expression matches.
    #[arg(long, value_name = "REGEX", value_parser = Regex::new)]
    filter: Option<Regex>,
    /// Scenarios to run at once (0: one per core).
    #[arg(long, short, value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Write a JUnit XML report to this file.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Run only shard K of N of the selected scenarios (for a CI matrix; together the N shards
    /// run each scenario once). An empty shard passes.
    #[arg(long, value_name = "K/N")]
    partition: Option<Partition>,
    /// Run nothing: merge the `--json` reports of the shards of one `--partition`ed suite into
    /// one report (table, --json, --junit). Overlapping, missing or inconsistent shards are an
    /// error (exit 2).
    #[arg(long, value_name = "SHARD.json", num_args = 1.., conflicts_with_all = ["paths", "filter", "partition"])]
    merge: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ChildArgs {
    /// The scenario file.
    scenario: PathBuf,
}

/// The child's side: run one scenario and print its `ChildResult` as JSON on stdout.
pub fn child(args: ChildArgs) -> anyhow::Result<bool> {
    let result = suite::run_for_child(&args.scenario, super::project::current()?);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &result)?;
    writeln!(out)?;
    Ok(true)
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Error => "ERROR",
        Verdict::Skip => "SKIP",
    }
}

pub fn execute(mut args: TestArgs) -> anyhow::Result<bool> {
    if !args.merge.is_empty() {
        let merged = merge::read(&args.merge, |e| verdict_word(e.verdict()))?;
        let ran = format!("merged from {} shard reports", args.merge.len());
        return write_reports(&args, &merged.suite, &merged.entries, None, &ran);
    }
    if args.paths.is_empty() {
        // The project's folder as seen from here (the report names it), else `scenarios`.
        let default = match super::project::current()? {
            Some(p) => std::env::current_dir()
                .ok()
                .and_then(|here| p.scenarios.strip_prefix(here).ok().map(Path::to_path_buf))
                .unwrap_or_else(|| p.scenarios.clone()),
            None => PathBuf::from("scenarios"),
        };
        args.paths.push(default);
    }
    let mut paths = select::scenarios(&args.paths, args.filter.as_ref())?;
    let suite = suite_name(&args.paths);
    let shard = args.partition.map(|p| Shard { partition: p.to_string(), of: paths.len(), suite: suite.clone() });
    if let Some(partition) = args.partition {
        paths = partition.take(paths);
    }
    let jobs = super::jobs(args.jobs);
    let exe = std::env::current_exe().map_err(|e| anyhow::anyhow!("cannot find the luasim executable: {e}"))?;
    let mut child_args = super::project::child_args()?;
    child_args.push("suite-child".into());
    let isolated = move |path: &Path| {
        let args: Vec<&str> = child_args.iter().map(String::as_str).collect();
        suite::run_isolated(&exe, &args, path)
    };
    let started = Instant::now();
    let entries = suite::run_all(paths, jobs, isolated, |done, total, e| {
        pipe::note!("[{done:>3}/{total}] {:<5} {} ({:.3} s)", verdict_word(e.verdict()), e.name, e.wall.as_secs_f64());
    });
    let wall = started.elapsed().as_secs_f64();
    let serial: f64 = entries.iter().map(|e| e.wall.as_secs_f64()).sum();
    let ran = format!("in {wall:.3} s wall on {jobs} jobs ({serial:.3} s of runs, {:.2}x)", serial / wall.max(1e-9));
    write_reports(&args, &suite, &entries, shard.as_ref(), &ran)
}

/// Writes the suite's reports: JUnit when asked, then JSON (its rows naming `shard`, when
/// partitioned) or the table with a last line that ends with `ran` (how it was run).
fn write_reports(
    args: &TestArgs,
    suite: &str,
    entries: &[SuiteEntry],
    shard: Option<&Shard>,
    ran: &str,
) -> anyhow::Result<bool> {
    if let Some(path) = &args.junit {
        output::write(path, |out| Ok(out.write_all(junit::render(suite, entries).as_bytes())?))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &json_view(entries, shard))?;
        writeln!(out)?;
    } else {
        write_table(&mut out, entries)?;
        let failed = entries.iter().filter(|e| !passes(e.verdict())).count();
        let skipped = entries.iter().filter(|e| e.verdict() == Verdict::Skip).count();
        writeln!(
            out,
            "{} scenarios, {} passed, {failed} failed{}, {ran}",
            entries.len(),
            entries.len() - failed - skipped,
            if skipped > 0 { format!(", {skipped} skipped") } else { String::new() },
        )?;
    }
    Ok(entries.iter().all(|e| passes(e.verdict())))
}

/// A skipped scenario (one this build cannot run) does not fail the suite.
fn passes(verdict: Verdict) -> bool {
    matches!(verdict, Verdict::Pass | Verdict::Skip)
}

/// The JUnit suite's name: the paths given, as given.
fn suite_name(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ")
}

fn write_table(out: &mut impl Write, entries: &[SuiteEntry]) -> std::io::Result<()> {
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(8).max(8);
    writeln!(out, "{:<width$}  {:<7} {:>16}  {:>9}", "scenario", "verdict", "simulated (s)", "wall (s)")?;
    for e in entries {
        let simulated = e.result.as_ref().map(|r| Secs(r.stats.simulated_us).to_string()).unwrap_or_default();
        writeln!(
            out,
            "{:<width$}  {:<7} {:>16}  {:>9.3}",
            e.name,
            verdict_word(e.verdict()),
            simulated,
            e.wall.as_secs_f64()
        )?;
        match &e.result {
            Ok(report) => {
                for o in report.outcomes.iter().filter(|o| !o.passed) {
                    writeln!(out, "{:<width$}    expected {} (seen {})", "", o.expectation, o.seen)?;
                    if let Some(cause) = &o.cause {
                        for line in cause.to_string().lines() {
                            writeln!(out, "{:<width$}      {line}", "")?;
                        }
                    }
                }
            }
            Err(message) => writeln!(out, "{:<width$}    {message}", "")?,
        }
    }
    Ok(())
}

fn json_view(entries: &[SuiteEntry], shard: Option<&Shard>) -> serde_json::Value {
    let items: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let (report, error) = match &e.result {
                Ok(r) => (serde_json::to_value(r).unwrap_or_default(), None),
                Err(m) => (serde_json::Value::Null, Some(m.clone())),
            };
            let mut row = serde_json::json!({
                "scenario": e.name,
                "path": e.path,
                "verdict": verdict_word(e.verdict()),
                "wall_s": e.wall.as_secs_f64(),
                "report": report,
                "error": error,
            });
            if let Some(shard) = shard {
                row["shard"] = serde_json::to_value(shard).unwrap_or_default();
            }
            row
        })
        .collect();
    serde_json::Value::Array(items)
}
