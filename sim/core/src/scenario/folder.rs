//! Finding the scenarios in a folder, for suites (`luasim test`) and the pre-flight gate alike.

use std::path::{Path, PathBuf};

/// Every `*.yaml` below `dir`, sorted. Links to folders are not followed (a link back up the
/// tree would run the same scenarios again and again); links to files are.
pub fn find_scenarios(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") && path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
