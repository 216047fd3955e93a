//! `luasim test --merge SHARD.json...`: the `--json` reports of a suite's partition shards
//! (`luasim test --partition K/N --json`) read back as one suite, to report as `luasim test`
//! does (table, `--json`, `--junit`). Each row of a shard's report names its shard (`shard`:
//! K/N, how many scenarios the whole selection had, and the suite's paths), so the merge can
//! refuse what would be a wrong report: a row without a shard, shards of different
//! selections, the same shard or scenario twice, a shard missing, or a scenario in a shard
//! the partition rule would not have put it in.

use super::partition::Partition;
use anyhow::{bail, Context};
use luasim::suite::SuiteEntry;
use luasim_core::runtime::RunReport;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What each row of a shard's report says about its shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// `K/N`.
    pub partition: String,
    /// Scenarios in the whole selection, before it was partitioned.
    pub of: usize,
    /// The suite's paths, as given (the JUnit suite's name).
    pub suite: String,
}

/// One row of `luasim test --json`, as read back.
#[derive(Deserialize)]
struct Row {
    scenario: String,
    path: String,
    verdict: String,
    wall_s: f64,
    report: Option<RunReport>,
    error: Option<String>,
    shard: Option<Shard>,
}

/// The merged suite: its name and every scenario's entry, sorted by path.
pub struct Merged {
    pub suite: String,
    pub entries: Vec<SuiteEntry>,
}

/// Reads and checks the shards' reports; `verdict_word` is the table's word for a verdict,
/// which each row's `verdict` must agree with.
pub fn read(files: &[PathBuf], verdict_word: impl Fn(&SuiteEntry) -> &'static str) -> anyhow::Result<Merged> {
    // (file, its shard, the entries with the shard they claim)
    let mut shards: Vec<(&Path, Partition, Shard)> = Vec::new();
    let mut entries: Vec<(SuiteEntry, &Path, Partition)> = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let rows: Vec<Row> = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a report of `luasim test --json`", file.display()))?;
        for row in rows {
            let Some(shard) = row.shard.clone() else {
                bail!("{}: {} was run without --partition: only the reports of shards merge", file.display(), row.path);
            };
            let partition: Partition =
                shard.partition.parse().map_err(|e| anyhow::anyhow!("{}: {}: shard {e}", file.display(), row.path))?;
            match shards.iter().find(|(f, _, _)| *f == file.as_path()) {
                Some((_, _, mine)) if *mine != shard => {
                    bail!(
                        "{}: rows of two shards ({} and {}) in one report",
                        file.display(),
                        mine.partition,
                        shard.partition
                    )
                }
                Some(_) => {}
                None => {
                    if let Some((other, their_partition, theirs)) = shards.first() {
                        if (theirs.of, &theirs.suite, their_partition.count())
                            != (shard.of, &shard.suite, partition.count())
                        {
                            bail!(
                                "inconsistent shards: {} is shard {} of {} scenarios of `{}`, {} is shard {} of {} of `{}`",
                                other.display(),
                                theirs.partition,
                                theirs.of,
                                theirs.suite,
                                file.display(),
                                shard.partition,
                                shard.of,
                                shard.suite
                            );
                        }
                    }
                    if let Some((other, _, _)) = shards.iter().find(|(_, p, _)| *p == partition) {
                        bail!(
                            "{} and {} are both shard {partition}: the shards overlap",
                            other.display(),
                            file.display()
                        );
                    }
                    shards.push((file.as_path(), partition, shard.clone()));
                }
            }
            let result = match (row.report, row.error) {
                (Some(report), None) => Ok(report),
                (None, Some(error)) => Err(error),
                _ => bail!("{}: {}: a row has a report or an error, not both or neither", file.display(), row.path),
            };
            let wall = Duration::try_from_secs_f64(row.wall_s).unwrap_or_default();
            let entry = SuiteEntry { name: row.scenario, path: row.path, result, wall };
            if verdict_word(&entry) != row.verdict {
                bail!("{}: {}: the verdict {} does not match its report", file.display(), entry.path, row.verdict);
            }
            if let Some((_, other, _)) = entries.iter().find(|(e, _, _)| e.path == entry.path) {
                bail!("{} is in both {} and {}: the shards overlap", entry.path, other.display(), file.display());
            }
            entries.push((entry, file.as_path(), partition));
        }
    }
    let Some((_, first_partition, first)) = shards.first() else { bail!("the shards hold no scenarios") };
    let (of, suite, count) = (first.of, first.suite.clone(), first_partition.count());
    if entries.len() != of {
        let missing: Vec<String> = (1..=count)
            .map(|k| format!("{k}/{count}").parse::<Partition>().expect("a valid shard"))
            .filter(|p| p.share(of) > 0 && !shards.iter().any(|(_, mine, _)| mine == p))
            .map(|p| p.to_string())
            .collect();
        bail!(
            "the shards hold {} of the {of} scenarios of `{suite}`{}",
            entries.len(),
            if missing.is_empty() { String::new() } else { format!(": shard {} missing", missing.join(", ")) }
        );
    }
    entries.sort_by(|(a, _, _), (b, _, _)| Path::new(&a.path).cmp(Path::new(&b.path)));
    for (position, (entry, file, partition)) in entries.iter().enumerate() {
        if !partition.owns(position) {
            bail!(
                "inconsistent shards: {} ran in shard {partition} ({}) but is shard {}'s of these {of} scenarios: \
                 were the shards made from the same files and filter?",
                entry.path,
                file.display(),
                Partition::owner(position, count)
            );
        }
    }
    let mut entries: Vec<SuiteEntry> = entries.into_iter().map(|(e, _, _)| e).collect();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Merged { suite, entries })
}
