//! Where the scenarios for a check come from, whatever folder the shell is in: `--scenarios`
//! when given; else the project's (the project file that declares a user's build is not built
//! yet: its lookup goes first in `find`, before the search); else the nearest `scenarios/`
//! folder from the first candidate's folder upward, stopping at the repository root (a folder
//! with `.git`) or the file system's root.

use std::path::{Path, PathBuf};

/// How the scenario folder was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// `--scenarios DIR`.
    Given(PathBuf),
    /// A `scenarios/` folder in the candidate's folder or above it.
    Above(PathBuf),
    /// None: the searched folders, from the candidate's up to where the search stopped.
    Nowhere { from: PathBuf, to: PathBuf },
}

impl Found {
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Found::Given(d) | Found::Above(d) => Some(d),
            Found::Nowhere { .. } => None,
        }
    }
}

/// The scenario folder for candidates in `candidate_dir`.
pub fn find(given: Option<&Path>, candidate_dir: &Path) -> Found {
    if let Some(dir) = given {
        return Found::Given(dir.to_path_buf());
    }
    let start = std::fs::canonicalize(candidate_dir).unwrap_or_else(|_| candidate_dir.to_path_buf());
    let mut dir = start.as_path();
    loop {
        let here = dir.join("scenarios");
        if here.is_dir() {
            return Found::Above(relative_to_cwd(here));
        }
        let repository_root = dir.join(".git").exists();
        match dir.parent() {
            Some(up) if !repository_root => dir = up,
            _ => return Found::Nowhere { from: start.clone(), to: dir.to_path_buf() },
        }
    }
}

/// `path` relative to the current folder when it is below it (for messages), else as is.
fn relative_to_cwd(path: PathBuf) -> PathBuf {
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    match cwd.ok().and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf)) {
        Some(rel) if !rel.as_os_str().is_empty() => rel,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_scenarios_folder_above_wins_and_the_repository_root_stops_the_search() {
        let root = std::env::temp_dir().join(format!("luasim-discover-{}", std::process::id()));
        let deep = root.join("repo/firmware/lua");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(root.join("scenarios")).unwrap();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        let found = find(None, &deep);
        assert!(matches!(&found, Found::Nowhere { to, .. } if to.ends_with("repo")), "{found:?}");
        std::fs::create_dir_all(root.join("repo/firmware/scenarios")).unwrap();
        let found = find(None, &deep);
        assert!(matches!(&found, Found::Above(d) if d.ends_with("repo/firmware/scenarios")), "{found:?}");
        assert_eq!(find(Some(Path::new("x")), &deep), Found::Given("x".into()));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
