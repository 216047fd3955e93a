//! The figures a trace carries as numbers, sampled off its events: the queue depth (known at
//! each `fire` and `drop`, which carry it) and the number of armed timers (a level: set by each
//! `timer+`, lowered by a one-shot's firing or a stop, cleared by a boot, a reload or deep
//! sleep). This is the one place that reads figures off events; a kind that starts carrying
//! one slots in here.

use crate::trace::{Event, EventKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counter {
    QueueDepth,
    TimersArmed,
}

impl Counter {
    pub const ALL: [Counter; 2] = [Counter::QueueDepth, Counter::TimersArmed];

    pub fn label(self) -> &'static str {
        match self {
            Counter::QueueDepth => "queue depth",
            Counter::TimersArmed => "timers armed",
        }
    }

    /// Whether the figure holds between its samples (a level) or is only known at them.
    pub fn holds(self) -> bool {
        match self {
            Counter::QueueDepth => false,
            Counter::TimersArmed => true,
        }
    }
}

/// Follows the counters event by event.
#[derive(Debug, Default)]
pub struct Counters {
    armed: u64,
}

impl Counters {
    /// The samples `event` gives: the queue depth it carries, the armed-timer level when it
    /// changes it.
    pub fn see(&mut self, event: &Event, mut sample: impl FnMut(Counter, u64)) {
        let before = self.armed;
        match &event.kind {
            EventKind::TimerFire { depth, repeat, .. } => {
                sample(Counter::QueueDepth, *depth as u64);
                if *repeat == 0 {
                    self.armed = self.armed.saturating_sub(1);
                }
            }
            EventKind::QueueDrop { depth, .. } => sample(Counter::QueueDepth, *depth as u64),
            EventKind::TimerStart { active, .. } => self.armed = *active as u64,
            EventKind::TimerStop { .. } => self.armed = self.armed.saturating_sub(1),
            EventKind::Boot { .. } | EventKind::Reload { .. } => self.armed = 0,
            EventKind::Sleep { mode, .. } if mode == "deep" => self.armed = 0,
            _ => {}
        }
        if self.armed != before {
            sample(Counter::TimersArmed, self.armed);
        }
    }
}
