//! `sequence:` lines that must come in order, each after the one before, within the window.
//! Matched greedily (each item takes the first matching line after the previous item's),
//! which finds the order whenever one exists.

use super::line::Line;
use super::{Cause, CauseKind};
use crate::time::{Micros, Secs};
use crate::trace::Event;

#[derive(Debug, Clone, Default)]
pub struct SequenceProgress {
    /// Items matched so far.
    next: usize,
    first: Option<Micros>,
    last: Option<Micros>,
}

impl SequenceProgress {
    pub fn observe(&mut self, items: &[Line], event: &Event) {
        if items.get(self.next).is_some_and(|item| item.matched(event).is_some()) {
            self.next += 1;
            self.first.get_or_insert(event.at_us);
            self.last = Some(event.at_us);
        }
    }

    pub fn first(&self) -> Option<Micros> {
        self.first
    }

    /// Passed, items matched, and for a failure the first item that never came.
    pub fn verdict(&self, items: &[Line]) -> (bool, f64, Option<Cause>) {
        let cause = items.get(self.next).map(|item| {
            let after = match self.last {
                Some(t) => format!(" after item {} at {} s", self.next, Secs(t)),
                None => String::new(),
            };
            let line = format!("item {} of {}, {item}, never came{after}", self.next + 1, items.len());
            Cause { kind: CauseKind::Unmet, at_us: self.last.unwrap_or(0), line }
        });
        (cause.is_none(), self.next as f64, cause)
    }
}
