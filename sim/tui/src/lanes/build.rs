//! Building the lanes in one pass over the events: each event goes to the series of its kind
//! in its lane; the device's phases (booting, running, asleep) and each timer track's armed
//! spans come from `luasim_core::timeline` as the events go by, the same the Perfetto export
//! draws. See the parent module for what the lanes are.

use super::{lane_of, Fill, Lane, LaneKey, Lanes, Series, Span, BUS, CONSOLE, DEVICE, FIXED};
use crate::kinds::Kind;
use luasim_core::time::Micros;
use luasim_core::timeline::{Phase, Phases, TimerTracks};
use luasim_core::trace::{self, Event};
use std::collections::BTreeMap;

/// Builds the lanes of `events`, which must be sorted by time. A fleet's trace (events with a
/// device) gets one group of lanes per device, in the order the devices first appear, each
/// lane's label starting with its device's name.
pub fn build(events: &[Event]) -> Lanes {
    let devices = trace::devices(events);
    if devices.is_empty() {
        return build_group(events.iter().enumerate());
    }
    let mut all = Lanes { lanes: Vec::new(), of_event: vec![0; events.len()], consoles: Vec::new() };
    for device in devices {
        let mine = events.iter().enumerate().filter(|(_, e)| e.device.as_deref() == Some(device));
        let group = build_group(mine.clone());
        let offset = all.lanes.len() as u32;
        for ((pos, _), lane) in mine.zip(group.of_event) {
            all.of_event[pos] = offset + lane;
        }
        all.consoles.extend(group.consoles.iter().map(|c| offset + c));
        all.lanes
            .extend(group.lanes.into_iter().map(|lane| Lane { label: format!("{device} {}", lane.label), ..lane }));
    }
    all
}

/// The lanes of one device's events (with their positions in the whole trace).
fn build_group<'a>(events: impl Iterator<Item = (usize, &'a Event)>) -> Lanes {
    let mut b = Builder::default();
    let mut last = 0;
    for (pos, event) in events {
        b.add(pos as u32, event);
        last = event.at_us;
    }
    b.finish(last)
}

#[derive(Default)]
struct Draft {
    series: BTreeMap<Kind, Series>,
    fills: BTreeMap<u8, (Fill, Vec<Span>)>,
}

impl Draft {
    fn push(&mut self, kind: Kind, at: Micros, pos: u32) {
        let s = self.series.entry(kind).or_insert_with(|| Series { kind, times: Vec::new(), events: Vec::new() });
        s.times.push(at);
        s.events.push(pos);
    }

    /// Adds a span of `fill`; spans come in order of their start, and one that overlaps the
    /// previous span of the same fill extends it.
    fn span(&mut self, fill: Fill, start: Micros, end: Micros) {
        let order = match fill {
            Fill::Booting => 0,
            Fill::Sleeping => 1,
            Fill::Armed => 2,
            Fill::Running => 3,
        };
        let end = end.max(start.saturating_add(1));
        let spans = &mut self.fills.entry(order).or_insert_with(|| (fill, Vec::new())).1;
        match spans.last_mut() {
            Some(last) if start <= last.end => last.end = last.end.max(end),
            _ => spans.push(Span { start, end }),
        }
    }

    fn into_lane(self, label: String) -> Lane {
        let mut series: Vec<Series> = self.series.into_values().collect();
        series.sort_by_key(|s| std::cmp::Reverse(s.kind.rank()));
        Lane { label, series, fills: self.fills.into_values().collect() }
    }
}

#[derive(Clone, Copy)]
enum Row {
    Fixed(u32),
    Registration(u32),
    Track(u32),
}

#[derive(Default)]
struct Builder {
    fixed: [Draft; 3],
    registrations: Vec<(String, Draft)>,
    by_target: BTreeMap<String, usize>,
    /// One draft per timer track of `timers`.
    tracks: Vec<Draft>,
    timers: TimerTracks,
    phases: Phases,
    rows: Vec<Row>,
}

fn fill_of(phase: Phase) -> Fill {
    match phase {
        Phase::Booting => Fill::Booting,
        Phase::Awake => Fill::Running,
        Phase::Asleep | Phase::LightSleep => Fill::Sleeping,
    }
}

impl Builder {
    fn add(&mut self, pos: u32, event: &Event) {
        let at = event.at_us;
        let kind = Kind::of(event);
        let device = &mut self.fixed[DEVICE];
        self.phases.see(event, |span| device.span(fill_of(span.phase), span.start, span.end));
        let drafts = &mut self.tracks;
        let track = self.timers.see(event, |armed| drafts[armed.track].span(Fill::Armed, armed.since, armed.until));
        self.tracks.resize_with(self.timers.len(), Draft::default);
        let row = match lane_of(&event.kind) {
            LaneKey::Device => Row::Fixed(DEVICE as u32),
            LaneKey::Console => Row::Fixed(CONSOLE as u32),
            LaneKey::Bus => Row::Fixed(BUS as u32),
            LaneKey::Registration(what) => Row::Registration(self.registration(what) as u32),
            LaneKey::Timer(_) => Row::Track(track.expect("a timer event has a track") as u32),
        };
        self.draft(row).push(kind, at, pos);
        self.rows.push(row);
    }

    fn draft(&mut self, row: Row) -> &mut Draft {
        match row {
            Row::Fixed(i) => &mut self.fixed[i as usize],
            Row::Registration(i) => &mut self.registrations[i as usize].1,
            Row::Track(i) => &mut self.tracks[i as usize],
        }
    }

    fn registration(&mut self, what: &str) -> usize {
        if let Some(&i) = self.by_target.get(what) {
            return i;
        }
        self.registrations.push((what.to_string(), Draft::default()));
        self.by_target.insert(what.to_string(), self.registrations.len() - 1);
        self.registrations.len() - 1
    }

    fn finish(mut self, last: Micros) -> Lanes {
        if let Some(span) = self.phases.finish(last) {
            self.fixed[DEVICE].span(fill_of(span.phase), span.start, span.end);
        }
        let drafts = &mut self.tracks;
        self.timers.finish(last, |armed| drafts[armed.track].span(Fill::Armed, armed.since, armed.until));
        let registrations = self.registrations.len() as u32;
        let of_event = self
            .rows
            .iter()
            .map(|row| match *row {
                Row::Fixed(i) => i,
                Row::Registration(i) => 3 + i,
                Row::Track(i) => 3 + registrations + i,
            })
            .collect();
        let mut lanes: Vec<Lane> =
            self.fixed.into_iter().zip(FIXED).map(|(draft, label)| draft.into_lane(label.to_string())).collect();
        lanes.extend(self.registrations.into_iter().map(|(what, draft)| draft.into_lane(what)));
        let timers = &self.timers;
        lanes.extend(self.tracks.into_iter().enumerate().map(|(i, draft)| draft.into_lane(timers.label(i))));
        Lanes { lanes, of_event, consoles: vec![CONSOLE as u32] }
    }
}
