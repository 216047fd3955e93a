//! `after:` a line of one kind, within a duration, a line of another: every trigger must be
//! answered (one answer answers every trigger still waiting), and the count bounds how many
//! were. Memory stays constant however many triggers come: only the earliest waiting one and
//! how many wait are kept.

use super::line::Line;
use super::{Cause, CauseKind};
use crate::time::{Micros, Secs};
use crate::trace::Event;

#[derive(Debug, Clone)]
pub struct After {
    pub trigger: Line,
    pub within: Micros,
}

#[derive(Debug, Clone, Default)]
pub struct AfterProgress {
    /// The earliest trigger not yet answered (its time and text), and how many wait.
    waiting: Option<(Micros, String, u64)>,
    answered: u64,
    first: Option<Micros>,
    /// The first trigger that went unanswered.
    missed: Option<Cause>,
}

impl AfterProgress {
    pub fn observe(&mut self, after: &After, then: &Line, event: &Event) {
        self.expire(after, event.at_us);
        if then.matched(event).is_some() {
            if let Some((_, _, count)) = self.waiting.take() {
                self.answered += count;
                self.first.get_or_insert(event.at_us);
            }
        }
        if let Some(text) = after.trigger.matched(event) {
            match &mut self.waiting {
                Some((_, _, count)) => *count += 1,
                None => self.waiting = Some((event.at_us, text, 1)),
            }
        }
    }

    fn expire(&mut self, after: &After, now: Micros) {
        if let Some((since, _, _)) = &self.waiting {
            if now > since.saturating_add(after.within) {
                let (since, text, _) = self.waiting.take().expect("just seen");
                self.note_missed(after, since, text, "");
            }
        }
    }

    fn note_missed(&mut self, after: &After, since: Micros, text: String, tail: &str) {
        if self.missed.is_none() {
            let line = format!(
                "no answer within {} s of {} at {} s: {text}{tail}",
                Secs(after.within),
                after.trigger,
                Secs(since)
            );
            self.missed = Some(Cause { kind: CauseKind::Unmet, at_us: since, line });
        }
    }

    pub fn first(&self) -> Option<Micros> {
        self.first
    }

    /// Whether every trigger was answered, how many were, and the first that was not.
    pub fn verdict(&self, after: &After) -> (bool, u64, Option<Cause>) {
        let mut done = self.clone();
        if let Some((since, text, _)) = done.waiting.take() {
            done.note_missed(after, since, text, " (the run ended first)");
        }
        (done.missed.is_none(), done.answered, done.missed)
    }
}
