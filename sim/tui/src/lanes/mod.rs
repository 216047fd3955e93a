//! Lanes: the rows of the timeline. `lane_of` is the one place that says which row an event
//! kind belongs to; a new kind slots in by adding an arm there (the match is exhaustive).
//!
//! Rows: the device (boots, sleeps, reloads, scripts, the end; boot and sleep periods shaded,
//! the running device drawn as a line), the console (log lines and errors), the message bus
//! (injected steps, drops, outgoing MQTT and Telegram, calls of the project's own modules), one per firmware registration target
//! (`EventBus sensor.temperature`: its subscriptions, calls and skips across generations), then
//! timer tracks, packed as `luasim_core::timeline::TimerTracks` packs them (a timer takes the
//! first track with no armed timer, so a year of minute waits keeps to one track). A fleet's
//! trace has these rows once per device, labelled with its name.

use super::filter::Filter;
use super::kinds::Kind;
use super::timeline::{next_in, prev_in};
use luasim_core::time::Micros;
use luasim_core::trace::EventKind;

mod build;

pub use build::build;

/// Which row an event belongs to, before timers are packed into tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneKey<'a> {
    Device,
    Console,
    Bus,
    Registration(&'a str),
    Timer(i64),
}

pub fn lane_of(kind: &EventKind) -> LaneKey<'_> {
    match kind {
        EventKind::Boot { .. }
        | EventKind::Reload { .. }
        | EventKind::Sleep { .. }
        | EventKind::Script { .. }
        | EventKind::End { .. } => LaneKey::Device,
        EventKind::Log { .. } | EventKind::Error { .. } => LaneKey::Console,
        EventKind::Inject { .. }
        | EventKind::QueueDrop { .. }
        | EventKind::MqttOut { .. }
        | EventKind::Telegram { .. }
        | EventKind::ModuleCall { .. } => LaneKey::Bus,
        EventKind::Subscribe { what, .. } | EventKind::Callback { what, .. } | EventKind::Skip { what, .. } => {
            LaneKey::Registration(what)
        }
        EventKind::TimerStart { id, .. }
        | EventKind::TimerReject { id, .. }
        | EventKind::TimerStop { id }
        | EventKind::TimerFire { id, .. } => LaneKey::Timer(*id),
    }
}

/// What fills a cell with no event: a span of time in some state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The device is booting (from its boot event until its first script runs).
    Booting,
    /// The device sleeps: deep sleep until the next boot, light sleep for its duration.
    Sleeping,
    /// A timer on this track is armed.
    Armed,
    /// The device is running.
    Running,
}

/// A half-open span of virtual time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Micros,
    pub end: Micros,
}

/// The events of one kind in one lane, in time order; `events` are positions in the timeline.
#[derive(Debug, Clone)]
pub struct Series {
    pub kind: Kind,
    times: Vec<Micros>,
    events: Vec<u32>,
}

impl Series {
    fn bounds(&self, t0: Micros, t1: Micros) -> (usize, usize) {
        (self.times.partition_point(|&t| t < t0), self.times.partition_point(|&t| t < t1))
    }

    /// Positions of the events, in time order.
    pub fn events(&self) -> &[u32] {
        &self.events
    }

    pub fn count(&self, t0: Micros, t1: Micros) -> usize {
        let (a, b) = self.bounds(t0, t1);
        b - a
    }

    fn first_in(&self, t0: Micros, t1: Micros) -> Option<u32> {
        let (a, b) = self.bounds(t0, t1);
        (a < b).then(|| self.events[a])
    }

    fn next_from(&self, from: u32) -> Option<u32> {
        next_in(&self.events, from)
    }

    fn prev_before(&self, before: u32) -> Option<u32> {
        prev_in(&self.events, before)
    }
}

/// One row of the timeline.
#[derive(Debug, Clone)]
pub struct Lane {
    pub label: String,
    /// Per kind, highest rank first, so the first series with events in a cell gives its glyph.
    pub series: Vec<Series>,
    /// Spans that fill empty cells, most important fill first; each list is sorted and disjoint.
    pub fills: Vec<(Fill, Vec<Span>)>,
}

impl Lane {
    pub fn is_visible(&self, filter: &Filter) -> bool {
        self.series.iter().any(|s| filter.shows(s.kind))
    }

    fn shown<'a>(&'a self, filter: &'a Filter) -> impl Iterator<Item = &'a Series> + 'a {
        self.series.iter().filter(|s| filter.shows(s.kind))
    }

    /// The highest-ranked kind with events in `[t0, t1)` and how many events of shown kinds
    /// fall there.
    pub fn cell(&self, t0: Micros, t1: Micros, filter: &Filter) -> Option<(Kind, usize)> {
        let mut top = None;
        let mut total = 0;
        for s in self.shown(filter) {
            let n = s.count(t0, t1);
            if n > 0 {
                top.get_or_insert(s.kind);
                total += n;
            }
        }
        top.map(|k| (k, total))
    }

    pub fn fill(&self, t0: Micros, t1: Micros) -> Option<Fill> {
        self.fills.iter().find(|(_, spans)| overlaps(spans, t0, t1)).map(|(fill, _)| *fill)
    }

    /// The earliest shown event in `[t0, t1)`.
    pub fn first_in(&self, t0: Micros, t1: Micros, filter: &Filter) -> Option<u32> {
        self.shown(filter).filter_map(|s| s.first_in(t0, t1)).min()
    }

    /// The first shown event at or after position `from`.
    pub fn next_from(&self, from: u32, filter: &Filter) -> Option<u32> {
        self.shown(filter).filter_map(|s| s.next_from(from)).min()
    }

    /// The last shown event before position `before`.
    pub fn prev_before(&self, before: u32, filter: &Filter) -> Option<u32> {
        self.shown(filter).filter_map(|s| s.prev_before(before)).max()
    }
}

fn overlaps(spans: &[Span], t0: Micros, t1: Micros) -> bool {
    let i = spans.partition_point(|s| s.end <= t0);
    spans.get(i).is_some_and(|s| s.start < t1)
}

/// All lanes of a timeline and the lane of every event.
pub struct Lanes {
    pub lanes: Vec<Lane>,
    pub of_event: Vec<u32>,
    /// The console lanes, which the log pane lists: one per device.
    pub consoles: Vec<u32>,
}

/// The fixed lanes, first on screen; registrations and timer tracks follow.
const DEVICE: usize = 0;
/// The lane of log lines and errors in a device's group.
const CONSOLE: usize = 1;
const BUS: usize = 2;
const FIXED: [&str; 3] = ["device", "log", "bus"];
