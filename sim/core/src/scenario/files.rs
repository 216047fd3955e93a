//! Where scenario files and script folders are read from: the host disk, or the files compiled
//! into the binary (the built-in default scenario). Only scenario loading reads files, and the
//! host's disk only through `hostfs`.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Read access to scenario and script files.
pub trait Files {
    fn read(&self, path: &Path) -> io::Result<String>;
    /// Every file below `dir`, as (path relative to `dir` with `/` separators, bytes), sorted.
    fn read_folder(&self, dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>>;
}

/// The host file system, read under the rules of `hostfs` (regular files only, bounded walks).
pub struct HostFiles;

impl Files for HostFiles {
    fn read(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(super::hostfs::read_file(path)?)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
    }

    fn read_folder(&self, dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
        super::hostfs::read_folder(dir)
    }
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
