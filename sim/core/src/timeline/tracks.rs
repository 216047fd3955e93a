//! Timers packed into tracks. `sys.lua` takes a fresh timer id for every wait, so a year of
//! minute wakes uses half a million ids: a view with one row per id is unreadable and huge.
//! A timer takes the first track with no armed timer instead. There are never more tracks than
//! timers armed at once (at most the 64 slots, plus refused starts), and a task that waits in a
//! loop keeps to one track. Timers die with a boot, a reload, a deep sleep and the end.

use crate::time::Micros;
use crate::trace::{Event, EventKind};
use std::collections::BTreeMap;

/// A timer's armed span on its track, `[since, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmedSpan {
    pub track: usize,
    pub id: i64,
    pub since: Micros,
    pub until: Micros,
}

#[derive(Debug)]
struct Track {
    /// The timer armed on this track and since when.
    armed: Option<(i64, Micros)>,
    /// Lowest and highest timer id seen on this track, for its label.
    ids: (i64, i64),
}

/// The tracks and which timer is armed on each.
#[derive(Debug, Default)]
pub struct TimerTracks {
    tracks: Vec<Track>,
    /// Armed timer id → its track.
    open: BTreeMap<i64, usize>,
}

impl TimerTracks {
    /// Follows `event` (events come in time order): hands every armed span it ends to `ended`
    /// and returns the track of a timer event (`None` for other events).
    pub fn see(&mut self, event: &Event, mut ended: impl FnMut(ArmedSpan)) -> Option<usize> {
        let at = event.at_us;
        match &event.kind {
            EventKind::Boot { .. } | EventKind::Reload { .. } | EventKind::End { .. } => self.clear(at, &mut ended),
            EventKind::Sleep { mode, ms: Some(_) } if mode == "light" => {}
            EventKind::Sleep { .. } => self.clear(at, &mut ended),
            EventKind::TimerStart { id, .. } => {
                let track = self.track_of(*id);
                if self.tracks[track].armed.is_none() {
                    self.tracks[track].armed = Some((*id, at));
                    self.open.insert(*id, track);
                }
                return Some(track);
            }
            EventKind::TimerFire { id, repeat, .. } => {
                let track = self.track_of(*id);
                if *repeat == 0 {
                    self.disarm(*id, at, &mut ended);
                }
                return Some(track);
            }
            EventKind::TimerStop { id } => {
                let track = self.track_of(*id);
                self.disarm(*id, at, &mut ended);
                return Some(track);
            }
            EventKind::TimerReject { id, .. } => return Some(self.track_of(*id)),
            _ => {}
        }
        None
    }

    /// Ends every armed span at `at`, the last event's time.
    pub fn finish(&mut self, at: Micros, mut ended: impl FnMut(ArmedSpan)) {
        self.clear(at, &mut ended);
    }

    /// How many tracks there are.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// A track's name: `timer 5`, or `timers 5…90` when several ids took turns on it.
    pub fn label(&self, track: usize) -> String {
        match self.tracks[track].ids {
            (lo, hi) if lo != hi => format!("timers {lo}…{hi}"),
            (id, _) => format!("timer {id}"),
        }
    }

    /// The track of timer `id`: its own while armed, else the first free one or a new one.
    fn track_of(&mut self, id: i64) -> usize {
        let t = match self.open.get(&id) {
            Some(&t) => t,
            None => match self.tracks.iter().position(|tr| tr.armed.is_none()) {
                Some(t) => t,
                None => {
                    self.tracks.push(Track { armed: None, ids: (id, id) });
                    self.tracks.len() - 1
                }
            },
        };
        let ids = &mut self.tracks[t].ids;
        *ids = (ids.0.min(id), ids.1.max(id));
        t
    }

    fn disarm(&mut self, id: i64, at: Micros, ended: &mut impl FnMut(ArmedSpan)) {
        if let Some(track) = self.open.remove(&id) {
            if let Some((id, since)) = self.tracks[track].armed.take() {
                ended(ArmedSpan { track, id, since, until: at });
            }
        }
    }

    fn clear(&mut self, at: Micros, ended: &mut impl FnMut(ArmedSpan)) {
        self.open.clear();
        for (track, t) in self.tracks.iter_mut().enumerate() {
            if let Some((id, since)) = t.armed.take() {
                ended(ArmedSpan { track, id, since, until: at });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(at_us: Micros, kind: EventKind) -> Event {
        Event { device: None, at_us, tick: 0, kind, gauges: None, flow: None }
    }

    fn start(id: i64) -> EventKind {
        EventKind::TimerStart { id, ms: 10, ticks: 1, repeat: 0, active: 1 }
    }

    fn fire(id: i64) -> EventKind {
        EventKind::TimerFire { id, repeat: 0, depth: 1 }
    }

    #[test]
    fn timers_armed_at_once_take_tracks_and_waits_in_turn_share_one() {
        let mut tracks = TimerTracks::default();
        let mut ended = Vec::new();
        let events = [at(0, start(1)), at(0, start(2)), at(10, fire(1)), at(10, start(3)), at(20, fire(2))];
        let placed: Vec<_> = events.iter().map(|e| tracks.see(e, |s| ended.push(s)).unwrap()).collect();
        assert_eq!(placed, [0, 1, 0, 0, 1]);
        tracks.finish(30, |s| ended.push(s));
        let spans: Vec<_> = ended.iter().map(|s| (s.track, s.id, s.since, s.until)).collect();
        assert_eq!(spans, [(0, 1, 0, 10), (1, 2, 0, 20), (0, 3, 10, 30)]);
        assert_eq!((tracks.label(0), tracks.label(1)), ("timers 1…3".to_string(), "timer 2".to_string()));
    }

    #[test]
    fn a_boot_ends_every_armed_timer() {
        let mut tracks = TimerTracks::default();
        let mut ended = Vec::new();
        tracks.see(&at(0, start(7)), |s| ended.push(s));
        let boot = EventKind::Boot {
            profile: "esp32".into(),
            tick_hz: 100,
            cause: "timer".into(),
            generation: 1,
            region: "empty".into(),
        };
        assert_eq!(tracks.see(&at(5, boot), |s| ended.push(s)), None);
        assert_eq!(ended, [ArmedSpan { track: 0, id: 7, since: 0, until: 5 }]);
    }
}
