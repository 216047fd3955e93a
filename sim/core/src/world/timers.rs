//! The pool of FreeRTOS software timers behind `rtos.timer_start`.
//!
//! Semantics written down here and in `tests/` (the firmware implements the same):
//! - a fixed number of slots (64); starting a timer when all are busy fails;
//! - starting an id that is already armed re-arms it in its slot (new period, new repeat count);
//! - expiry tick = tick at start + period; timers due in the same tick fire in FreeRTOS order,
//!   i.e. by expiry tick and then in the order they were (re)inserted into the active list
//!   (`vListInsert` puts a new item after items of equal value);
//! - an auto-reloading timer is re-inserted at `previous expiry + period`, so it never drifts;
//! - `repeat` 0 fires once, -1 forever, n > 0 fires n+1 times; each firing reports how many
//!   firings are left after it (n, n-1, ..., 0; -1 for forever), and the slot is freed at the
//!   last expiry, not when Lua reads the message.

use crate::time;
use crate::trace::RejectReason;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
struct Armed {
    id: i64,
    period: u32,
    /// Firings left including the next one; `None` repeats forever.
    fires_left: Option<u64>,
    key: DueKey,
}

/// Position in the active list: expiry tick (since boot), then insertion order.
type DueKey = (u64, u64);

/// A timer that has just expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub id: i64,
    /// Firings left after this one, -1 for forever.
    pub repeat: i64,
}

#[derive(Debug, Clone)]
pub struct TimerPool {
    slots: Vec<Option<Armed>>,
    /// The active list, sorted by key: (key, slot). At most one entry per slot, so a sorted
    /// ring of 64 beats a tree; a re-armed periodic timer usually goes at the back.
    active: VecDeque<(DueKey, usize)>,
    next_seq: u64,
    peak: usize,
}

impl TimerPool {
    pub fn new(slots: usize) -> TimerPool {
        TimerPool { slots: vec![None; slots], active: VecDeque::with_capacity(slots), next_seq: 0, peak: 0 }
    }

    /// Arms timer `id` at tick `now` (since boot). Returns the period in ticks.
    pub fn start(&mut self, id: i64, ms: i64, repeat: i64, now: u64, tick_hz: u32) -> Result<u32, RejectReason> {
        let period = time::ms_to_ticks(ms, tick_hz).ok_or(RejectReason::BadDelay)?;
        let slot = match self.slot_of(id) {
            Some(slot) => {
                self.disarm(slot);
                slot
            }
            None => self.slots.iter().position(Option::is_none).ok_or(RejectReason::NoFreeSlot)?,
        };
        let fires_left = u64::try_from(repeat).ok().map(|n| n.saturating_add(1));
        let key = self.insert(now + period as u64, slot);
        self.slots[slot] = Some(Armed { id, period, fires_left, key });
        self.peak = self.peak.max(self.active_count());
        Ok(period)
    }

    /// Disarms timer `id`; returns whether it was armed.
    pub fn stop(&mut self, id: i64) -> bool {
        match self.slot_of(id) {
            Some(slot) => {
                self.disarm(slot);
                true
            }
            None => false,
        }
    }

    /// The earliest expiry tick (since boot), if any timer is armed.
    pub fn next_due(&self) -> Option<u64> {
        self.active.front().map(|((tick, _), _)| *tick)
    }

    /// Takes the next timer due at or before tick `now`, in FreeRTOS order, and re-arms or frees it.
    pub fn pop_due(&mut self, now: u64) -> Option<Expiry> {
        let &(key, slot) = self.active.front().filter(|((tick, _), _)| *tick <= now)?;
        self.active.pop_front();
        let armed = self.slots[slot].as_mut().expect("active list points at an armed slot");
        let id = armed.id;
        let repeat = match &mut armed.fires_left {
            None => -1,
            Some(left) => {
                *left -= 1;
                *left as i64
            }
        };
        if repeat == 0 {
            self.slots[slot] = None;
        } else {
            let next = key.0 + armed.period as u64;
            let key = self.insert(next, slot);
            self.slots[slot].as_mut().expect("slot still armed").key = key;
        }
        Some(Expiry { id, repeat })
    }

    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub fn peak(&self) -> usize {
        self.peak
    }

    /// The armed timers in FreeRTOS order: (id, expiry tick since boot, period in ticks, firings
    /// left including the next, `None` for forever). For the sleepy image, which re-arms them.
    pub fn armed(&self) -> Vec<(i64, u64, u32, Option<u64>)> {
        self.active
            .iter()
            .filter_map(|&((due, _), slot)| self.slots[slot].as_ref().map(|a| (a.id, due, a.period, a.fires_left)))
            .collect()
    }

    /// Arms timer `id` in a free slot to expire at tick `due`, then every `period` ticks.
    pub fn rearm(&mut self, id: i64, due: u64, period: u32, fires_left: Option<u64>) -> bool {
        let Some(slot) = self.slots.iter().position(Option::is_none) else { return false };
        let key = self.insert(due, slot);
        self.slots[slot] = Some(Armed { id, period, fires_left, key });
        self.peak = self.peak.max(self.active_count());
        true
    }

    /// A reset disarms every timer; the peak covers the whole run.
    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = None);
        self.active.clear();
    }

    fn slot_of(&self, id: i64) -> Option<usize> {
        self.slots.iter().position(|s| s.as_ref().is_some_and(|a| a.id == id))
    }

    fn insert(&mut self, due: u64, slot: usize) -> DueKey {
        let key = (due, self.next_seq);
        self.next_seq += 1;
        // Every key is new and larger than any of equal `due`: its place is after them all,
        // at the back for a periodic timer re-armed behind the others.
        if self.active.back().is_none_or(|(k, _)| *k < key) {
            self.active.push_back((key, slot));
        } else {
            let at = self.active.partition_point(|(k, _)| *k < key);
            self.active.insert(at, (key, slot));
        }
        key
    }

    fn disarm(&mut self, slot: usize) {
        if let Some(armed) = self.slots[slot].take() {
            if let Ok(at) = self.active.binary_search_by(|(k, _)| k.cmp(&armed.key)) {
                self.active.remove(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(pool: &mut TimerPool, now: u64) -> Vec<Expiry> {
        std::iter::from_fn(|| pool.pop_due(now)).collect()
    }

    #[test]
    fn slots_run_out() {
        let mut p = TimerPool::new(2);
        assert_eq!(p.start(1, 10, 0, 0, 1000), Ok(10));
        assert_eq!(p.start(2, 10, 0, 0, 1000), Ok(10));
        assert_eq!(p.start(3, 10, 0, 0, 1000), Err(RejectReason::NoFreeSlot));
        assert_eq!(p.start(1, 20, 0, 0, 1000), Ok(20), "re-arming an armed id needs no new slot");
        assert_eq!(p.start(4, 0, 0, 0, 1000), Err(RejectReason::BadDelay));
    }

    #[test]
    fn same_tick_fires_in_insertion_order() {
        let mut p = TimerPool::new(4);
        p.start(7, 10, 0, 0, 1000).unwrap();
        p.start(3, 5, 0, 5, 1000).unwrap();
        p.start(9, 10, 0, 0, 1000).unwrap();
        let ids: Vec<i64> = drain(&mut p, 10).iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![7, 3, 9]);
    }

    #[test]
    fn n_repeat_fires_n_plus_one_times_and_frees_the_slot() {
        let mut p = TimerPool::new(1);
        p.start(1, 10, 2, 0, 1000).unwrap();
        let fired: Vec<(u64, i64)> =
            (1..=100).flat_map(|t| drain(&mut p, t).into_iter().map(move |e| (t, e.repeat))).collect();
        assert_eq!(fired, vec![(10, 2), (20, 1), (30, 0)]);
        assert_eq!(p.active_count(), 0);
    }

    #[test]
    fn periodic_timer_does_not_drift_when_serviced_late() {
        let mut p = TimerPool::new(1);
        p.start(1, 10, -1, 0, 1000).unwrap();
        assert_eq!(drain(&mut p, 15).len(), 1);
        assert_eq!(p.next_due(), Some(20));
    }
}
