//! The kind filter: which kinds of event the lanes and the log pane show. Jumps to errors and
//! restarts ignore it, so hiding noise never hides a failure.

use super::kinds::Kind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    shown: [bool; Kind::ALL.len()],
}

impl Default for Filter {
    fn default() -> Filter {
        Filter { shown: [true; Kind::ALL.len()] }
    }
}

impl Filter {
    pub fn shows(&self, kind: Kind) -> bool {
        self.shown[kind.index()]
    }

    pub fn toggle(&mut self, kind: Kind) {
        self.shown[kind.index()] ^= true;
    }

    /// Shows every kind, or hides every kind when all are already shown.
    pub fn toggle_all(&mut self) {
        let all = self.shown.iter().all(|&s| s);
        self.shown = [!all; Kind::ALL.len()];
    }

    /// `all`, or how many of the `present` kinds are shown, for the status line.
    pub fn describe(&self, present: &[Kind]) -> String {
        match present.iter().filter(|&&k| self.shows(k)).count() {
            n if n == present.len() => "all".to_string(),
            n => format!("{n}/{} kinds", present.len()),
        }
    }
}
