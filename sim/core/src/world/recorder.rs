//! Records trace events as they happen: keeps them when asked, counts them always, and hands
//! each to the run's observers (the expectation checks, the host-time monitor) so a week-long
//! run need not hold its whole trace.
//!
//! The kept trace is bounded: a script that floods it (a megabyte payload published in a
//! loop) would otherwise exhaust the host's memory. Past `MAX_KEPT_BYTES` an error event says
//! so and later events are still counted and checked, but no longer kept.

use crate::trace::{Event, EventKind, Gauges, Observer};

/// Most host memory the kept events may take (a year of minute wake-ups takes about 100 MB).
pub const MAX_KEPT_BYTES: usize = 512_000_000;

#[derive(Default)]
pub struct Recorder {
    keep: bool,
    events: Vec<Event>,
    kept_bytes: usize,
    /// `MAX_KEPT_BYTES`, smaller in tests.
    keep_limit: usize,
    observers: Vec<Box<dyn Observer>>,
    counted: u64,
    errors: u64,
}

impl Recorder {
    /// `keep`: hold every event for printing or export; `observers` see every event.
    pub fn new(keep: bool, observers: Vec<Box<dyn Observer>>) -> Recorder {
        Recorder { keep, observers, keep_limit: MAX_KEPT_BYTES, ..Recorder::default() }
    }

    pub fn record(&mut self, event: Event) {
        let gauges_bytes = if event.gauges.is_some() { std::mem::size_of::<Gauges>() } else { 0 };
        let Event { at_us, tick, .. } = event;
        self.observe(&event);
        if !self.keep {
            return;
        }
        self.kept_bytes += std::mem::size_of::<Event>() + text_bytes(&event.kind) + gauges_bytes;
        self.events.push(event);
        if self.kept_bytes > self.keep_limit {
            self.keep = false;
            let message = format!(
                "the kept trace passed {} MB at {} events; later events are counted and checked but not kept \
                 (`luasim run -q` keeps none)",
                self.keep_limit / 1_000_000,
                self.events.len()
            );
            let full = Event {
                device: None,
                at_us,
                tick,
                kind: EventKind::Error { what: "trace".into(), message },
                gauges: None,
                flow: None,
            };
            self.observe(&full);
            self.events.push(full);
        }
    }

    /// Counts an event and hands it to the observers.
    fn observe(&mut self, event: &Event) {
        self.counted += 1;
        if event.is_error() {
            self.errors += 1;
        }
        for observer in &mut self.observers {
            observer.observe(event);
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

    /// Hands over the kept events at the end of a run.
    pub fn finish(self) -> Vec<Event> {
        self.events
    }
}

/// Bytes of text an event holds besides its fixed size.
fn text_bytes(kind: &EventKind) -> usize {
    match kind {
        EventKind::Log { tag, text, .. } => tag.len() + text.len(),
        EventKind::MqttOut { topic, payload } => topic.len() + payload.len(),
        EventKind::Telegram { to, text } => to.len() + text.len(),
        EventKind::Error { what, message } => what.len() + message.len(),
        EventKind::Inject { step } => step.len(),
        EventKind::QueueDrop { message, .. } => message.len(),
        EventKind::Subscribe { what, .. } | EventKind::Callback { what, .. } | EventKind::Skip { what, .. } => {
            what.len()
        }
        EventKind::Boot { profile, cause, region, .. } => profile.len() + cause.len() + region.len(),
        EventKind::Reload { trigger, .. } => trigger.len(),
        EventKind::Script { path, .. } => path.len(),
        EventKind::Sleep { mode, .. } => mode.len(),
        EventKind::End { reason } => reason.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expect::{Expectation, Judge};
    use std::cell::RefCell;
    use std::rc::Rc;

    #[test]
    fn the_kept_trace_stops_at_its_limit_with_an_error_but_checks_go_on() {
        let judge = Rc::new(RefCell::new(Judge::new(&[Expectation::implicit_no_errors()])));
        let mut r = Recorder::new(true, vec![Box::new(judge.clone())]);
        r.keep_limit = 5_000_000;
        let payload = "x".repeat(1_000_000);
        for i in 0..10 {
            r.record(Event {
                device: None,
                at_us: i,
                tick: 0,
                kind: EventKind::MqttOut { topic: "t".into(), payload: payload.clone() },
                gauges: None,
                flow: None,
            });
        }
        assert_eq!(r.event_count(), 11, "every event is counted, the error too");
        assert_eq!(r.error_count(), 1);
        let events = r.finish();
        assert_eq!(events.len(), 6, "the fifth passes the limit and the error follows");
        let last = events.last().unwrap().to_string();
        assert!(last.contains("ERROR    trace: the kept trace passed 5 MB at 5 events"), "{last}");
        let outcomes = judge.borrow().outcomes(&Default::default());
        assert!(!outcomes[0].passed, "the error fails the default expectation");
    }
}
