//! The project every command works in (`luasim.yaml`, `luasim_core::project`): the file
//! `--project` names, or else the nearest one from the current folder upward. Loaded once, the
//! first time a command asks; a project file that does not load is an error of that command.

use anyhow::Context;
use luasim_core::project::{find_upward, Project};
use luasim_core::scenario::HostFiles;
use std::path::PathBuf;
use std::sync::OnceLock;

/// `--project FILE`, as given.
static EXPLICIT: OnceLock<Option<PathBuf>> = OnceLock::new();
static LOADED: OnceLock<Result<Option<Project>, String>> = OnceLock::new();

/// Notes the global `--project` option (before any command asks for the project).
pub fn choose(explicit: Option<PathBuf>) {
    let _ = EXPLICIT.set(explicit);
}

/// The project, if the command runs in one.
pub fn current() -> anyhow::Result<Option<&'static Project>> {
    let loaded = LOADED.get_or_init(|| {
        let file = match EXPLICIT.get().cloned().flatten() {
            Some(file) if !file.is_file() => return Err(format!("--project {}: no such file", file.display())),
            Some(file) => Some(file),
            None => std::env::current_dir().ok().and_then(|dir| find_upward(&dir)),
        };
        match file {
            Some(file) => Project::load(&file, &HostFiles).map(Some).map_err(|e| e.to_string()),
            None => Ok(None),
        }
    });
    loaded.as_ref().map(Option::as_ref).map_err(|e| anyhow::anyhow!("{e}")).context("the project file does not load")
}

/// The arguments that hand the same project to a child process (`luasim test`'s runs).
pub fn child_args() -> anyhow::Result<Vec<String>> {
    Ok(match current()? {
        Some(project) => {
            let file = std::fs::canonicalize(&project.file).unwrap_or_else(|_| project.file.clone());
            vec!["--project".into(), file.display().to_string()]
        }
        None => Vec::new(),
    })
}
