//! The device's virtual LittleFS: script files by absolute device path (`/scripts/main.lua`).
//!
//! Scripts see only this; nothing of the host file system is reachable from Lua.

use std::collections::BTreeMap;

/// Where script folders are mounted on the device.
pub const SCRIPTS_DIR: &str = "/scripts";
/// The script the device runs at boot.
pub const MAIN_SCRIPT: &str = "/scripts/main.lua";
/// The script the device runs after `main.lua` returns.
pub const RULES_SCRIPT: &str = "/scripts/rules.lua";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vfs {
    files: BTreeMap<String, Vec<u8>>,
}

impl Vfs {
    /// Files by path relative to `/scripts` (a mounted folder's contents).
    pub fn under_scripts(found: impl IntoIterator<Item = (String, Vec<u8>)>) -> Vfs {
        Vfs { files: found.into_iter().map(|(rel, bytes)| (format!("{SCRIPTS_DIR}/{rel}"), bytes)).collect() }
    }

    /// Inline scripts from a scenario, by file name below `/scripts`.
    pub fn from_inline(map: BTreeMap<String, String>) -> Vfs {
        Vfs {
            files: map
                .into_iter()
                .map(|(name, text)| (format!("{SCRIPTS_DIR}/{}", name.trim_start_matches('/')), text.into_bytes()))
                .collect(),
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(&normalize(path))
    }

    /// Creates or replaces a file.
    pub fn write(&mut self, path: &str, bytes: Vec<u8>) {
        self.files.insert(normalize(path), bytes);
    }

    pub fn read(&self, path: &str) -> Option<&[u8]> {
        self.files.get(&normalize(path)).map(Vec::as_slice)
    }

    /// Every file, by device path, in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
    }
}

/// Device paths are absolute; a relative path is taken relative to `/scripts`, like the
/// firmware's working directory. `.` and `..` segments are resolved and never leave `/`.
pub fn normalize(path: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{SCRIPTS_DIR}/{path}") };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_device() {
        assert_eq!(normalize("main.lua"), "/scripts/main.lua");
        assert_eq!(normalize("/scripts/../../etc/passwd"), "/etc/passwd");
        assert_eq!(normalize("./lib/x.lua"), "/scripts/lib/x.lua");
    }
}
