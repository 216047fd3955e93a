//! Reading the host's disk for a scenario, under the rules of `docs/security.md`: only regular
//! files are read, never a named pipe, socket or device (their type is checked before anything
//! is opened, and again on the open file); a folder is walked without leaving it; and every read
//! is bounded in files, depth and bytes, with values above any ESP32's flash.
//!
//! A path the user names (the scenario file, its `scripts:` folder, a `write: { file: }`) may be
//! a symbolic link: the user chose it. Inside a folder, a link to a regular file is followed only
//! when its target, fully resolved, lies inside the folder; a link to a folder is never followed,
//! so no walk loops or fans out.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Largest file read: 32 MiB, the largest flash an ESP32 module carries.
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// Largest sum of the files of one folder: 64 MiB.
pub const MAX_FOLDER_BYTES: u64 = 64 << 20;
/// Most files below one folder.
pub const MAX_FOLDER_FILES: usize = 10_000;
/// Most entries (files, folders, links) looked at below one folder.
pub const MAX_FOLDER_ENTRIES: usize = 100_000;
/// Deepest folder below a mounted folder.
pub const MAX_FOLDER_DEPTH: usize = 32;

fn refused(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// What a non-regular file is, for messages.
fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// The bytes of the regular file `path` (a link is followed), at most `MAX_FILE_BYTES`.
pub fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    read_regular(path, path, &meta)
}

/// Reads `open` (already known by `meta` to be the file to read), named `shown` in errors.
/// Opened non-blocking and without following a link, and checked again once open, so a file
/// swapped for a pipe or a link in between is refused instead of blocking or escaping.
fn read_regular(open: &Path, shown: &Path, meta: &Metadata) -> io::Result<Vec<u8>> {
    if !meta.file_type().is_file() {
        return Err(refused(format!("{} is {}, not a regular file", shown.display(), kind(meta))));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(shown, meta.len()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(open)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", shown.display())))?;
    let opened = file.metadata()?;
    if !opened.file_type().is_file() || opened.ino() != meta.ino() || opened.dev() != meta.dev() {
        return Err(refused(format!("{} changed while it was read", shown.display())));
    }
    let mut bytes = Vec::with_capacity(opened.len() as usize);
    (&file as &File).take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(shown, bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_big(shown: &Path, bytes: u64) -> io::Error {
    refused(format!(
        "{} holds {bytes} bytes; a file may hold at most {MAX_FILE_BYTES} bytes ({} MiB, more than any device's flash)",
        shown.display(),
        MAX_FILE_BYTES >> 20
    ))
}

/// Every file below `dir`, as (path relative to `dir` with `/` separators, bytes), sorted.
pub fn read_folder(dir: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
    let root = dir.canonicalize()?;
    if !root.is_dir() {
        return Err(refused(format!("{} is not a folder", dir.display())));
    }
    let mut walk = Walk { root, shown_root: dir.to_path_buf(), out: Vec::new(), entries: 0, bytes: 0 };
    walk.folder(dir, 0)?;
    walk.out.sort();
    Ok(walk.out)
}

struct Walk {
    /// The folder, fully resolved: every file read lies below it.
    root: PathBuf,
    /// The folder as the user named it, for messages.
    shown_root: PathBuf,
    out: Vec<(String, Vec<u8>)>,
    entries: usize,
    bytes: u64,
}

impl Walk {
    fn folder(&mut self, dir: &Path, depth: usize) -> io::Result<()> {
        if depth > MAX_FOLDER_DEPTH {
            return Err(refused(format!(
                "{} is more than {MAX_FOLDER_DEPTH} folders deep below {}",
                dir.display(),
                self.shown_root.display()
            )));
        }
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))? {
            self.entries += 1;
            if self.entries > MAX_FOLDER_ENTRIES {
                return Err(refused(format!(
                    "{} holds more than {MAX_FOLDER_ENTRIES} entries",
                    self.shown_root.display()
                )));
            }
            paths.push(entry?.path());
        }
        // Sorted, so the first problem reported is the same on every file system.
        paths.sort();
        for path in paths {
            let meta = std::fs::symlink_metadata(&path)?;
            if meta.file_type().is_dir() {
                self.folder(&path, depth + 1)?;
            } else if meta.file_type().is_symlink() {
                self.link(&path)?;
            } else {
                let bytes = read_regular(&path, &path, &meta)?;
                self.keep(&path, bytes)?;
            }
        }
        Ok(())
    }

    /// A link inside the folder: read only when it resolves to a regular file inside the folder.
    fn link(&mut self, path: &Path) -> io::Result<()> {
        let target = path
            .canonicalize()
            .map_err(|e| refused(format!("{} is a symbolic link that cannot be resolved ({e})", path.display())))?;
        if !target.starts_with(&self.root) {
            return Err(refused(format!(
                "{} is a symbolic link to {}, outside the folder {}; only links to files inside it are followed",
                path.display(),
                target.display(),
                self.shown_root.display()
            )));
        }
        let meta = std::fs::metadata(&target)?;
        if meta.file_type().is_dir() {
            return Err(refused(format!(
                "{} is a symbolic link to a folder; links to folders are not followed",
                path.display()
            )));
        }
        let bytes = read_regular(&target, path, &meta)?;
        self.keep(path, bytes)
    }

    fn keep(&mut self, path: &Path, bytes: Vec<u8>) -> io::Result<()> {
        self.bytes += bytes.len() as u64;
        if self.bytes > MAX_FOLDER_BYTES {
            return Err(refused(format!(
                "the files below {} hold more than {MAX_FOLDER_BYTES} bytes ({} MiB, more than any device's flash)",
                self.shown_root.display(),
                MAX_FOLDER_BYTES >> 20
            )));
        }
        if self.out.len() == MAX_FOLDER_FILES {
            return Err(refused(format!("{} holds more than {MAX_FOLDER_FILES} files", self.shown_root.display())));
        }
        let rel = path.strip_prefix(&self.shown_root).expect("walked below the folder");
        let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        self.out.push((rel, bytes));
        Ok(())
    }
}
