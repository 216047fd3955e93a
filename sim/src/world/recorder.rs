//! Records trace events as they happen: keeps them when asked, counts them always, and feeds
//! them to the scenario's expectation checks so a week-long run need not hold its whole trace.

use crate::expect::Check;
use crate::time::Micros;
use crate::trace::{Event, EventKind};

#[derive(Debug, Default)]
pub struct Recorder {
    keep: bool,
    events: Vec<Event>,
    checks: Vec<Check>,
    counted: u64,
    errors: u64,
}

impl Recorder {
    /// `keep`: hold every event for printing or export; `checks`: expectations to evaluate.
    pub fn new(keep: bool, checks: Vec<Check>) -> Recorder {
        Recorder { keep, checks, ..Recorder::default() }
    }

    pub fn record(&mut self, at_us: Micros, tick: u32, kind: EventKind) {
        let event = Event { at_us, tick, kind };
        self.counted += 1;
        if event.is_error() {
            self.errors += 1;
        }
        for check in &mut self.checks {
            check.observe(&event);
        }
        if self.keep {
            self.events.push(event);
        }
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn event_count(&self) -> u64 {
        self.counted
    }

    pub fn error_count(&self) -> u64 {
        self.errors
    }

    /// Hands over the kept events and the checks at the end of a run.
    pub fn finish(self) -> (Vec<Event>, Vec<Check>) {
        (self.events, self.checks)
    }
}
