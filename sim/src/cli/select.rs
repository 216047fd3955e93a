//! Which scenarios `luasim test PATH... --filter REGEX` runs: the files named and every `*.yaml`
//! below the folders named, each once however it was reached, narrowed to those whose path or
//! `name:` the filter matches. Nothing found is an error, so that a typo in a CI job's path or
//! filter fails the job instead of passing it on no scenarios.

use luasim_core::scenario::{find_scenarios, HostFiles, Scenario};
use regex::Regex;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The scenario files `paths` (files or folders) name, sorted, each once, that `filter` keeps.
pub fn scenarios(paths: &[PathBuf], filter: Option<&Regex>) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        if meta.is_dir() {
            found.extend(
                find_scenarios(path)
                    .map_err(|e| anyhow::anyhow!("cannot read scenario folder {}: {e}", path.display()))?,
            );
        } else {
            found.push(path.clone());
        }
    }
    let mut seen = HashSet::new();
    found.retain(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
    let named = || paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    anyhow::ensure!(!found.is_empty(), "no *.yaml scenarios in {}", named());
    if let Some(filter) = filter {
        found.retain(|p| matches(filter, p));
        anyhow::ensure!(!found.is_empty(), "no scenario in {} matches --filter {filter}", named());
    }
    found.sort();
    Ok(found)
}

/// Whether `filter` matches the scenario's path, or else its `name:` (when the file loads; one
/// that does not is reported under its file name, which its path holds).
fn matches(filter: &Regex, path: &Path) -> bool {
    filter.is_match(&path.to_string_lossy())
        || super::project::current()
            .ok()
            .and_then(|project| Scenario::load_in(path, &HostFiles, project.map(|p| &p.defaults)).ok())
            .is_some_and(|scenario| filter.is_match(&scenario.name))
}
