//! The figures a trace carries as numbers, sampled off its events: the queue depth (known at
//! each `fire` and `drop`, which carry it) and the number of armed timers (a level: set by each
//! `timer+`, lowered by a one-shot's firing or a stop, cleared by a boot, a reload or deep
//! sleep), and the device figures events carry as `trace::Gauges` (the Lua heap in use and its
//! peaks between events, the sleep region's bytes, the charge drawn). This is the one place
//! that reads figures off events; a kind that starts carrying one slots in here.

use crate::trace::{Event, EventKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counter {
    QueueDepth,
    TimersArmed,
    /// Device bytes of the Lua heap; a peak between two events is sampled before the figure
    /// in use at the later one.
    Heap,
    /// Bytes of the sleep region in use.
    Region,
    /// Charge drawn since power-on, in nAh.
    Charge,
}

impl Counter {
    pub const ALL: [Counter; 5] =
        [Counter::QueueDepth, Counter::TimersArmed, Counter::Heap, Counter::Region, Counter::Charge];

    pub fn label(self) -> &'static str {
        match self {
            Counter::QueueDepth => "queue depth",
            Counter::TimersArmed => "timers armed",
            Counter::Heap => "lua heap (bytes)",
            Counter::Region => "sleep region (bytes)",
            Counter::Charge => "charge (mAh)",
        }
    }

    /// A sample as a number in the unit its label names: the charge is counted in nAh and
    /// shown in mAh, the rest are whole numbers.
    pub fn in_unit(self, value: u64) -> serde_json::Value {
        match self {
            Counter::Charge => serde_json::json!(value as f64 / 1e6),
            _ => serde_json::json!(value),
        }
    }

    /// Whether the figure holds between its samples (a level) or is only known at them.
    pub fn holds(self) -> bool {
        match self {
            Counter::QueueDepth => false,
            Counter::TimersArmed | Counter::Heap | Counter::Region | Counter::Charge => true,
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
    /// changes it, the device figures it carries.
    pub fn see(&mut self, event: &Event, mut sample: impl FnMut(Counter, u64)) {
        if let Some(gauges) = &event.gauges {
            let figures = [
                (Counter::Heap, gauges.heap_peak),
                (Counter::Heap, gauges.heap),
                (Counter::Region, gauges.region),
                (Counter::Charge, gauges.charge_nah),
            ];
            for (counter, value) in figures {
                if let Some(value) = value {
                    sample(counter, value);
                }
            }
        }
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
