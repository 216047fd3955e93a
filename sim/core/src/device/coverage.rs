//! Line coverage of the device's scripts: which lines of the files on its flash have code, and
//! how often each ran. Off unless asked for (`RunOptions::coverage`), and then it only adds a
//! line hook beside the watchdog's count hook, so the trace is the same either way.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Hits per line, per script by device path (`/scripts/main.lua`). A line with code that never
/// ran is there with 0 hits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub files: BTreeMap<String, BTreeMap<u32, u64>>,
}

impl Coverage {
    /// Notes the lines of `file` that have code (each loaded chunk adds its own).
    pub fn add_lines(&mut self, file: &str, lines: &[u32]) {
        let hits = self.files.entry(file.to_string()).or_default();
        for &line in lines {
            hits.entry(line).or_insert(0);
        }
    }

    pub fn hit(&mut self, file: &str, line: u32) {
        match self.files.get_mut(file) {
            Some(hits) => *hits.entry(line).or_insert(0) += 1,
            None => {
                self.files.insert(file.to_string(), BTreeMap::from([(line, 1)]));
            }
        }
    }

    /// Adds `other`'s hits (another scenario of a suite).
    pub fn merge(&mut self, other: &Coverage) {
        for (file, hits) in &other.files {
            let mine = self.files.entry(file.clone()).or_default();
            for (&line, &n) in hits {
                *mine.entry(line).or_insert(0) += n;
            }
        }
    }

    /// (file, lines run, lines with code) per file, in path order.
    pub fn per_file(&self) -> Vec<(&str, usize, usize)> {
        self.files.iter().map(|(f, hits)| (f.as_str(), hits.values().filter(|&&n| n > 0).count(), hits.len())).collect()
    }

    /// The LCOV tracefile (`genhtml`, CI coverage services); `source_of` maps a device path to
    /// the file name to write (the host file it came from, where there is one).
    pub fn lcov(&self, source_of: impl Fn(&str) -> String) -> String {
        let mut out = String::from("TN:\n");
        for (file, hits) in &self.files {
            let _ = writeln!(out, "SF:{}", source_of(file));
            for (line, n) in hits {
                let _ = writeln!(out, "DA:{line},{n}");
            }
            let run = hits.values().filter(|&&n| n > 0).count();
            let _ = writeln!(out, "LF:{}\nLH:{run}\nend_of_record", hits.len());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_code_count_even_when_they_never_ran() {
        let mut c = Coverage::default();
        c.add_lines("/scripts/main.lua", &[1, 2, 4]);
        c.hit("/scripts/main.lua", 1);
        c.hit("/scripts/main.lua", 1);
        assert_eq!(c.per_file(), vec![("/scripts/main.lua", 1, 3)]);
        let mut other = Coverage::default();
        other.hit("/scripts/main.lua", 4);
        c.merge(&other);
        assert_eq!(
            c.lcov(|f| format!("host{f}")),
            "TN:\nSF:host/scripts/main.lua\nDA:1,2\nDA:2,0\nDA:4,1\nLF:3\nLH:2\nend_of_record\n"
        );
    }
}
