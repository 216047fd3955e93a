//! The timeline index, built once when the TUI opens: events sorted by time, their lanes, the
//! console lines, the lists that jumps walk (errors, boots and reloads), the graphs, and the
//! boots that give the tick count at any instant. Every query a frame makes is a binary search
//! in here, never a walk over all events.

use super::graphs::{self, Graph};
use super::kinds::Kind;
use super::lanes::{self, Lane};
use luasim_core::time::{ticks_at, Micros};
use luasim_core::trace::{Event, EventKind};

pub struct Timeline {
    pub events: Vec<Event>,
    pub kinds: Vec<Kind>,
    pub lanes: Vec<Lane>,
    /// The lane of each event.
    pub lane_of: Vec<u32>,
    /// The console lanes (one per device), which the log pane lists.
    pub consoles: Vec<u32>,
    /// Kinds present in the trace, in `Kind::ALL` order, with their counts.
    pub present: Vec<(Kind, usize)>,
    /// `ERROR` events and `E/` log lines.
    pub errors: Vec<u32>,
    /// Boots and reloads.
    pub restarts: Vec<u32>,
    pub graphs: Vec<Graph>,
    /// Each boot's time, tick count and tick rate.
    boots: Vec<(Micros, u32, u32)>,
}

impl Timeline {
    pub fn new(mut events: Vec<Event>) -> Timeline {
        events.sort_by_key(|e| e.at_us);
        let kinds: Vec<Kind> = events.iter().map(Kind::of).collect();
        let built = lanes::build(&events);
        let mut counts = [0usize; Kind::ALL.len()];
        for k in &kinds {
            counts[k.index()] += 1;
        }
        let present = Kind::ALL.iter().map(|&k| (k, counts[k.index()])).filter(|&(_, n)| n > 0).collect();
        let positions = |keep: &dyn Fn(&Event) -> bool| -> Vec<u32> {
            events.iter().enumerate().filter(|(_, e)| keep(e)).map(|(i, _)| i as u32).collect()
        };
        let errors = positions(&Event::is_error);
        let restarts = positions(&|e| matches!(e.kind, EventKind::Boot { .. } | EventKind::Reload { .. }));
        let boots = events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Boot { tick_hz, .. } => Some((e.at_us, e.tick, tick_hz)),
                _ => None,
            })
            .collect();
        let graphs = graphs::build(&events);
        Timeline {
            events,
            kinds,
            lanes: built.lanes,
            lane_of: built.of_event,
            consoles: built.consoles,
            present,
            errors,
            restarts,
            graphs,
            boots,
        }
    }

    pub fn event(&self, pos: u32) -> &Event {
        &self.events[pos as usize]
    }

    /// First and last event times.
    pub fn bounds(&self) -> (Micros, Micros) {
        (self.events.first().map_or(0, |e| e.at_us), self.events.last().map_or(0, |e| e.at_us))
    }

    /// How many events come before time `t`.
    pub fn before(&self, t: Micros) -> u32 {
        self.events.partition_point(|e| e.at_us < t) as u32
    }

    /// The FreeRTOS tick count at `t`, from the last boot before it (wrapping like the device's).
    pub fn tick_at(&self, t: Micros) -> Option<u32> {
        let i = self.boots.partition_point(|b| b.0 <= t).checked_sub(1)?;
        let (at, tick, hz) = self.boots[i];
        Some(tick.wrapping_add(ticks_at(t - at, hz) as u32))
    }
}

/// Where "next" and "previous" count from: the selected event, or the cursor's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Event(u32),
    Time(Micros),
}

impl Anchor {
    /// The position "next" starts from (inclusive) and the one "previous" stops before: past
    /// the selected event, or at the first event at or after the cursor.
    pub fn around(self, timeline: &Timeline) -> (u32, u32) {
        match self {
            Anchor::Event(p) => (p + 1, p),
            Anchor::Time(t) => (timeline.before(t), timeline.before(t)),
        }
    }
}

/// The first entry of `list` (sorted event positions) at or after position `from`.
pub fn next_in(list: &[u32], from: u32) -> Option<u32> {
    list.get(list.partition_point(|&q| q < from)).copied()
}

/// The last entry of `list` before position `before`.
pub fn prev_in(list: &[u32], before: u32) -> Option<u32> {
    list.partition_point(|&q| q < before).checked_sub(1).map(|i| list[i])
}
