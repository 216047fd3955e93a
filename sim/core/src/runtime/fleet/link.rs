//! The lockstep of a fleet: each device runs on its own thread with a `Link` as its `Outside`,
//! and the conductor (the caller's thread) lets them advance in windows.
//!
//! A device runs freely up to its horizon. When it is about to move its clock to or past the
//! horizon, its link hands the conductor what it sent since (with the virtual times) and the
//! time it wants to reach, and blocks. Once every running device waits, the conductor routes
//! what they sent through the broker in (time, device order, sending order), takes the earliest
//! moment anything can happen anywhere (a wanted time or a pending delivery), and grants every
//! device the horizon that moment plus the broker's latency, with the deliveries due before it.
//! Nothing a device sends in a window can reach another one before the window ends, so each
//! window's outcome depends only on what came before it: the same fleet gives the same trace
//! on any host, however the threads are scheduled.

use super::broker::{Broker, Sent};
use crate::hostlimit;
use crate::time::Micros;
use crate::world::{Action, Arrival, Outside, Step};
use std::collections::{BTreeMap, VecDeque};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// How often a waiting device tells the host-time safety net that it is alive.
const HEARTBEAT: Duration = Duration::from_millis(500);

/// What a device's link tells the conductor.
pub enum Note {
    /// The device wants to reach `want` (at or past its horizon) and waits for a grant.
    Sync { device: usize, want: Micros, sent: Vec<(Micros, Sent)> },
    /// The device's run is over (or failed); what it sent last is still routed.
    Done { device: usize, sent: Vec<(Micros, Sent)> },
}

/// The conductor's answer: run until before `horizon`; these messages arrive on the way.
pub struct Grant {
    horizon: Micros,
    steps: Vec<Step>,
}

/// One device's side of the lockstep.
pub struct Link {
    device: usize,
    to_conductor: Sender<Note>,
    grants: Receiver<Grant>,
    horizon: Micros,
    pending: VecDeque<Step>,
    sent: Vec<(Micros, Sent)>,
}

impl Link {
    pub fn new(device: usize, to_conductor: Sender<Note>, grants: Receiver<Grant>) -> Link {
        Link { device, to_conductor, grants, horizon: 0, pending: VecDeque::new(), sent: Vec::new() }
    }

    /// Hands over what was sent and waits for the next grant (beating the host-time net).
    fn sync(&mut self, now: Micros, want: Micros) {
        let note = Note::Sync { device: self.device, want, sent: std::mem::take(&mut self.sent) };
        if self.to_conductor.send(note).is_err() {
            self.horizon = Micros::MAX;
            return;
        }
        loop {
            match self.grants.recv_timeout(HEARTBEAT) {
                Ok(grant) => {
                    self.horizon = grant.horizon;
                    self.pending.extend(grant.steps);
                    return;
                }
                Err(RecvTimeoutError::Timeout) => hostlimit::beat(now),
                // The conductor is gone: only this device is left to run.
                Err(RecvTimeoutError::Disconnected) => {
                    self.horizon = Micros::MAX;
                    return;
                }
            }
        }
    }
}

impl Outside for Link {
    fn wait(&mut self, now: Micros, until: Micros) -> Arrival {
        loop {
            if self.pending.front().is_some_and(|s| s.at <= until) {
                return self.pending.pop_front().map_or(Arrival::Nothing, Arrival::Step);
            }
            if until < self.horizon {
                return Arrival::Nothing;
            }
            self.sync(now, until);
        }
    }

    fn subscribe(&mut self, now: Micros, filter: &str) {
        self.sent.push((now, Sent::Subscribe { filter: filter.to_string() }));
    }

    fn publish(&mut self, now: Micros, topic: &str, payload: &str) {
        self.sent.push((now, Sent::Publish { topic: topic.to_string(), payload: payload.to_string() }));
    }

    fn session_ended(&mut self, now: Micros) {
        self.sent.push((now, Sent::SessionEnded));
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let sent = std::mem::take(&mut self.sent);
        let _ = self.to_conductor.send(Note::Done { device: self.device, sent });
    }
}

/// Runs the lockstep until every device is done: `notes` from every link, `grants` to each.
pub fn conduct(notes: Receiver<Note>, grants: &[Sender<Grant>], broker: &mut Broker, latency: Micros) {
    let devices = grants.len();
    let mut done = vec![false; devices];
    let mut wants: Vec<Option<Micros>> = vec![None; devices];
    // Each device's deliveries not yet granted, by (time, routing order).
    let mut pending: Vec<BTreeMap<(Micros, u64), Step>> = vec![BTreeMap::new(); devices];
    let mut routed = 0u64;
    loop {
        let mut round: Vec<(Micros, usize, usize, Sent)> = Vec::new();
        while (0..devices).any(|d| !done[d] && wants[d].is_none()) {
            let Ok(note) = notes.recv() else { return };
            let (device, sent) = match note {
                Note::Sync { device, want, sent } => {
                    wants[device] = Some(want);
                    (device, sent)
                }
                Note::Done { device, sent } => {
                    done[device] = true;
                    (device, sent)
                }
            };
            round.extend(sent.into_iter().enumerate().map(|(i, (at, what))| (at, device, i, what)));
        }
        if done.iter().all(|&d| d) {
            return;
        }
        round.sort_by_key(|&(at, device, i, _)| (at, device, i));
        for (at, device, _, what) in round {
            for d in broker.handle(at, device, what) {
                if !done[d.device] {
                    let action = Action::Mqtt { topic: d.topic, payload: d.payload };
                    pending[d.device].insert((d.at, routed), Step { at: d.at, action });
                    routed += 1;
                }
            }
        }
        let running = (0..devices).filter(|&d| !done[d]);
        let next = running
            .flat_map(|d| [wants[d], pending[d].keys().next().map(|k| k.0)])
            .flatten()
            .min()
            .unwrap_or(Micros::MAX);
        let horizon = next.saturating_add(latency);
        for d in 0..devices {
            if done[d] {
                continue;
            }
            let later = pending[d].split_off(&(horizon, 0));
            let steps = std::mem::replace(&mut pending[d], later).into_values().collect();
            wants[d] = None;
            if grants[d].send(Grant { horizon, steps }).is_err() {
                done[d] = true;
            }
        }
    }
}
