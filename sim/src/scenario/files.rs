//! Where scenario files and script folders are read from: the host disk, or the files compiled
//! into the binary (the built-in default scenario). Only scenario loading reads files.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Read access to scenario and script files.
pub trait Files {
    fn read(&self, path: &Path) -> io::Result<String>;
    /// Every file below `dir`, as (path relative to `dir` with `/` separators, bytes), sorted.
    fn read_folder(&self, dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>>;
}

/// The host file system.
pub struct HostFiles;

impl Files for HostFiles {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn read_folder(&self, dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        walk(dir, dir, &mut out)?;
        out.sort();
        Ok(out)
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).expect("walked below root");
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            out.push((rel, std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// Files compiled into the binary, addressed by repository-relative paths.
pub struct Embedded(pub &'static [(&'static str, &'static str)]);

/// Resolves `.` and `..` without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl Files for Embedded {
    fn read(&self, path: &Path) -> io::Result<String> {
        let want = normalize(path);
        self.0
            .iter()
            .find(|(p, _)| Path::new(p) == want)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{} is not built in", path.display())))
    }

    fn read_folder(&self, dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
        let dir = normalize(dir);
        let mut out: Vec<(String, Vec<u8>)> = self
            .0
            .iter()
            .filter_map(|(p, text)| {
                let rel = Path::new(p).strip_prefix(&dir).ok()?;
                Some((rel.to_string_lossy().into_owned(), text.as_bytes().to_vec()))
            })
            .collect();
        out.sort();
        if out.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("{} is not built in", dir.display())));
        }
        Ok(out)
    }
}
