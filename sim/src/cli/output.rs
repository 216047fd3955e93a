//! Output files of the command line: two options of one command may not name the same file,
//! and every file is written to a temporary name in its own folder and renamed into place, so
//! that it is whole or absent, never truncated by a crash, a kill or a full disk.

use anyhow::Context;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Refuses two of `outputs` (option name, path if given) that name the same file, however the
/// paths are spelled (`./a.json`, `dir/../a.json`, a link to the folder).
pub fn distinct(outputs: &[(&str, Option<&Path>)]) -> anyhow::Result<()> {
    let given: Vec<(&str, &Path, PathBuf)> =
        outputs.iter().filter_map(|(option, path)| path.map(|p| (*option, p, identity(p)))).collect();
    for (i, (option, path, id)) in given.iter().enumerate() {
        if let Some((other, _, _)) = given[..i].iter().find(|(_, _, earlier)| earlier == id) {
            anyhow::bail!("{other} and {option} both name {}: give each output its own file", path.display());
        }
    }
    Ok(())
}

/// The file a path names: its folder resolved on disk when it exists, joined with its name.
fn identity(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(real) = absolute.canonicalize() {
        return real;
    }
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => dir.canonicalize().map_or_else(|_| absolute.clone(), |d| d.join(name)),
        _ => absolute,
    }
}

/// Writes `path` through `fill`, whole or not at all: into a temporary file beside it that is
/// renamed over `path` once complete, and removed when anything fails.
pub fn write(path: &Path, fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let name = path.file_name().with_context(|| format!("{} is not a file name", path.display()))?;
    let temporary = path.with_file_name(format!(".{}.luasim-{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let file = File::create(&temporary).with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = BufWriter::new(file);
        fill(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
        let file =
            out.into_inner().map_err(|e| e.into_error()).with_context(|| format!("cannot write {}", path.display()))?;
        file.sync_all().with_context(|| format!("cannot write {}", path.display()))?;
        std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_under_two_spellings_is_refused() {
        let dir = std::env::temp_dir();
        let a = dir.join("luasim-output-test.json");
        let b = dir.join(".").join("luasim-output-test.json");
        let err = distinct(&[("--trace-json", Some(&a)), ("--perfetto", Some(&b))]).unwrap_err();
        assert!(err.to_string().starts_with("--trace-json and --perfetto both name"), "{err}");
        let c = dir.join("luasim-output-other.json");
        assert!(distinct(&[("--trace-json", Some(&a)), ("--perfetto", Some(&c)), ("--junit", None)]).is_ok());
    }

    #[test]
    fn a_failed_write_leaves_no_file_and_keeps_the_old_one() {
        let dir = std::env::temp_dir().join(format!("luasim-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        write(&path, |w| Ok(w.write_all(b"old")?)).unwrap();
        let err = write(&path, |w| {
            w.write_all(b"half")?;
            anyhow::bail!("the run crashed")
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
