//! Building the lanes in one pass over the events: each event goes to the series of its kind
//! in its lane; the device's phases (booting, running, asleep) and each timer track's armed
//! spans are followed as the events go by. See the parent module for what the lanes are.

use super::{lane_of, Fill, Lane, LaneKey, Lanes, Series, Span, BUS, CONSOLE, DEVICE, FIXED};
use crate::kinds::Kind;
use luasim_core::time::{Micros, MICROS_PER_MS};
use luasim_core::trace::{Event, EventKind};
use std::collections::BTreeMap;

/// Builds the lanes of `events`, which must be sorted by time.
pub fn build(events: &[Event]) -> Lanes {
    let mut b = Builder::default();
    for (pos, event) in events.iter().enumerate() {
        b.add(pos as u32, event);
    }
    b.finish(events.last().map_or(0, |e| e.at_us))
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

struct Track {
    draft: Draft,
    armed: Option<(i64, Micros)>,
    /// Lowest and highest timer id seen on this track, for its label.
    ids: (i64, i64),
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
    tracks: Vec<Track>,
    open: BTreeMap<i64, usize>,
    rows: Vec<Row>,
    phase: Phase,
}

/// What the device is doing, since when.
#[derive(Default, Clone, Copy)]
enum Phase {
    #[default]
    Off,
    /// Booting until its first event after the boot.
    Booting(Micros),
    Running(Micros),
    /// In deep sleep, until the next boot.
    Asleep(Micros),
}

impl Builder {
    fn add(&mut self, pos: u32, event: &Event) {
        let at = event.at_us;
        let kind = Kind::of(event);
        if let Phase::Booting(boot) = self.phase {
            if at > boot {
                self.fixed[DEVICE].span(Fill::Booting, boot, at);
                self.phase = Phase::Running(at);
            }
        }
        let row = match lane_of(&event.kind) {
            LaneKey::Device => {
                self.device_event(&event.kind, at);
                Row::Fixed(DEVICE as u32)
            }
            LaneKey::Console => Row::Fixed(CONSOLE as u32),
            LaneKey::Bus => Row::Fixed(BUS as u32),
            LaneKey::Registration(what) => Row::Registration(self.registration(what) as u32),
            LaneKey::Timer(id) => Row::Track(self.timer_event(&event.kind, id, at) as u32),
        };
        self.draft(row).push(kind, at, pos);
        self.rows.push(row);
    }

    fn draft(&mut self, row: Row) -> &mut Draft {
        match row {
            Row::Fixed(i) => &mut self.fixed[i as usize],
            Row::Registration(i) => &mut self.registrations[i as usize].1,
            Row::Track(i) => &mut self.tracks[i as usize].draft,
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

    fn device_event(&mut self, kind: &EventKind, at: Micros) {
        match kind {
            EventKind::Boot { .. } => self.stop(at, Phase::Booting(at)),
            EventKind::Sleep { mode, ms: Some(ms) } if mode == "light" => {
                self.fixed[DEVICE].span(Fill::Sleeping, at, at.saturating_add(ms.saturating_mul(MICROS_PER_MS)));
            }
            EventKind::Sleep { .. } => self.stop(at, Phase::Asleep(at)),
            EventKind::Reload { .. } => self.disarm_all(at),
            EventKind::End { .. } => self.stop(at, Phase::Off),
            _ => {}
        }
    }

    /// The device's current phase ends at `at` (a boot, deep sleep or the end) and `next`
    /// begins; timers die with the phase.
    fn stop(&mut self, at: Micros, next: Phase) {
        self.disarm_all(at);
        let device = &mut self.fixed[DEVICE];
        match std::mem::replace(&mut self.phase, next) {
            Phase::Off => {}
            Phase::Booting(since) => device.span(Fill::Booting, since, at),
            Phase::Running(since) => device.span(Fill::Running, since, at),
            Phase::Asleep(since) => device.span(Fill::Sleeping, since, at),
        }
    }

    fn disarm_all(&mut self, at: Micros) {
        let ids: Vec<i64> = self.open.keys().copied().collect();
        for id in ids {
            self.disarm(id, at);
        }
    }

    fn disarm(&mut self, id: i64, at: Micros) {
        if let Some(t) = self.open.remove(&id) {
            let track = &mut self.tracks[t];
            if let Some((_, since)) = track.armed.take() {
                track.draft.span(Fill::Armed, since, at);
            }
        }
    }

    fn timer_event(&mut self, kind: &EventKind, id: i64, at: Micros) -> usize {
        let t = match self.open.get(&id) {
            Some(&t) => t,
            None => match self.tracks.iter().position(|tr| tr.armed.is_none()) {
                Some(t) => t,
                None => {
                    self.tracks.push(Track { draft: Draft::default(), armed: None, ids: (id, id) });
                    self.tracks.len() - 1
                }
            },
        };
        let track = &mut self.tracks[t];
        track.ids = (track.ids.0.min(id), track.ids.1.max(id));
        match kind {
            EventKind::TimerStart { .. } if track.armed.is_none() => {
                track.armed = Some((id, at));
                self.open.insert(id, t);
            }
            EventKind::TimerFire { repeat: 0, .. } | EventKind::TimerStop { .. } => self.disarm(id, at),
            _ => {}
        }
        t
    }

    fn finish(mut self, last: Micros) -> Lanes {
        self.stop(last, Phase::Off);
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
        lanes.extend(self.tracks.into_iter().map(|track| {
            let label = match track.ids {
                (lo, hi) if lo != hi => format!("timers {lo}…{hi}"),
                (id, _) => format!("timer {id}"),
            };
            track.draft.into_lane(label)
        }));
        Lanes { lanes, of_event }
    }
}
