//! Which device figures an event carries (`trace::Gauges`): the Lua heap in use and its peaks
//! between events, the sleep region's bytes, the charge drawn. The TUI's graphs and Perfetto's
//! counters draw them over time; the text trace leaves them out.
//!
//! An event carries a figure only when it moved since the last event that carried it, so the
//! samples follow the device's health, not the event count: the heap when it moved by a step
//! (1/64 of its last figure, at least 64 bytes: a year of waits gives a few samples per
//! collector cycle, not one per event), a peak when the heap went a step above both figures
//! meanwhile, the region at every change of its size, the charge at each change of power
//! state (boot, awake, light or deep sleep, off), where its rate changes, when it grew by 1/64
//! since the last sample (at least 1 µAh: a device awake for a year has a few hundred) and at
//! the run's end.
//! The event that starts a deep sleep carries the heap as 0 (main RAM is lost; not with the
//! whole VM in the sleep region), as does the event of a power cut; after a reload the first
//! event after the old state closed does, and a peak after the last world access of a closing
//! state is not sampled.
//! The heap is read by the device from the running state's allocator at each world access
//! (`Device::with_world`); reading changes nothing, so no figure or line of a run depends on
//! whether anyone looks at these.

use super::World;
use crate::profile::Currents;
use crate::time::Micros;
use crate::trace::{EventKind, Gauges};

/// The figures as last carried, and the heap as last seen.
#[derive(Debug, Default)]
pub struct Gauge {
    /// (in use, most in use since the last heap sample) at the last world access.
    heap_seen: Option<(usize, usize)>,
    heap_carried: Option<usize>,
    region_carried: usize,
    /// When the power state last changed as the last charge sample saw it.
    charge_since: Option<Micros>,
    charge_carried: Option<u64>,
    /// Before this the charge cannot have grown by a step, even at the highest current: the
    /// events until then skip reading the meter.
    charge_check_at: Micros,
}

/// Smallest move of the heap that is sampled.
fn step(last: usize) -> usize {
    (last / 64).max(64)
}

/// The shortest time in which `nah` can be drawn: at the profile's highest current, rounded
/// down (0 when no current is set, so every event reads the meter).
fn time_to_draw(nah: u64, currents: &Currents) -> Micros {
    let highest =
        [currents.active_ma, currents.radio_ma, currents.light_sleep_ma, currents.deep_sleep_ma, currents.boot_ma]
            .into_iter()
            .fold(0.0, f64::max);
    if highest > 0.0 {
        // nAh / mA = 1e-6 h = 3,600 µs.
        (nah as f64 / highest * 3_600.0).floor() as Micros
    } else {
        0
    }
}

/// Smallest growth of the charge, in nAh, that is sampled between power-state changes: 1/64
/// of the charge so far, at least 1 µAh.
fn charge_step(last: u64) -> u64 {
    (last / 64).max(1_000)
}

impl Gauge {
    /// The heap now: `used` device bytes, `most` at most since the last call.
    pub fn see_heap(&mut self, used: usize, most: usize) {
        let most = self.heap_seen.map_or(most, |(_, seen)| seen.max(most)).max(used);
        self.heap_seen = Some((used, most));
    }

    /// The heap figures an event carries now, if any (and starts a new window for peaks).
    fn heap(&mut self, gauges: &mut Gauges) {
        let Some((used, most)) = self.heap_seen else { return };
        let last = self.heap_carried;
        let peaked = most >= used.max(last.unwrap_or(0)) + step(used);
        let moved = last.is_none_or(|last| used.abs_diff(last) >= step(last));
        if !moved && !peaked {
            return;
        }
        gauges.heap = Some(used as u64);
        gauges.heap_peak = peaked.then_some(most as u64);
        self.heap_carried = Some(used);
        self.heap_seen = Some((used, used));
    }
}

impl World {
    /// The heap of the running Lua state, read by the device before each world access.
    pub fn see_heap(&mut self, used: usize, most: usize) {
        self.gauge.see_heap(used, most);
    }

    /// The running Lua state closed: no heap until the next one, and its peaks are its own.
    pub fn heap_gone(&mut self) {
        self.gauge.heap_seen = Some((0, 0));
    }

    /// The figures the event `kind` carries, recorded now.
    pub(super) fn gauges(&mut self, kind: &EventKind) -> Option<Box<Gauges>> {
        let mut gauges = Gauges::default();
        if matches!(kind, EventKind::Sleep { mode, .. } if mode == "deep") && !self.profile.vm_in_sleep_region {
            // Main RAM and the Lua state in it are lost in deep sleep (unless the whole VM
            // lives in the sleep region).
            self.gauge.see_heap(0, 0);
        }
        self.gauge.heap(&mut gauges);
        let region = self.sleep_region.used();
        if region != self.gauge.region_carried {
            self.gauge.region_carried = region;
            gauges.region = Some(region as u64);
        }
        let (now, since) = (self.clock.now(), self.energy.since());
        let changed = self.gauge.charge_since != Some(since) || matches!(kind, EventKind::End { .. });
        if changed || now >= self.gauge.charge_check_at {
            let charge = self.energy.report(now, &self.profile.currents, self.radio).charge_mah;
            let charge = (charge * 1e6).round() as u64;
            let moved = self.gauge.charge_carried.is_none_or(|last| charge.abs_diff(last) >= charge_step(last));
            if moved || changed {
                self.gauge.charge_since = Some(since);
                self.gauge.charge_carried = Some(charge);
                gauges.charge_nah = Some(charge);
            }
            let last = self.gauge.charge_carried.unwrap_or(charge);
            // A sample is due once the rounded charge reaches the step: up to half a nAh
            // before the true charge does.
            let to_go = (last + charge_step(last)).saturating_sub(charge).saturating_sub(1);
            self.gauge.charge_check_at = now.saturating_add(time_to_draw(to_go, &self.profile.currents));
        }
        (gauges != Gauges::default()).then(|| Box::new(gauges))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carried(gauge: &mut Gauge, used: usize, most: usize) -> (Option<u64>, Option<u64>) {
        gauge.see_heap(used, most);
        let mut g = Gauges::default();
        gauge.heap(&mut g);
        (g.heap, g.heap_peak)
    }

    #[test]
    fn the_heap_is_carried_when_it_moves_by_a_step_and_peaks_when_they_stand_out() {
        let mut gauge = Gauge::default();
        assert_eq!(carried(&mut gauge, 6_400, 6_400), (Some(6_400), None), "the first figure");
        assert_eq!(carried(&mut gauge, 6_450, 6_450), (None, None), "50 bytes is under the step (100)");
        assert_eq!(carried(&mut gauge, 6_500, 6_500), (Some(6_500), None), "100 bytes since the last carried");
        assert_eq!(carried(&mut gauge, 6_500, 9_000), (Some(6_500), Some(9_000)), "a peak between two events");
        assert_eq!(carried(&mut gauge, 6_510, 6_520), (None, None), "the peak window started again");
        assert_eq!(carried(&mut gauge, 0, 0), (Some(0), None), "the state is gone");
    }

    #[test]
    fn the_charge_is_read_no_later_than_a_step_could_be_drawn() {
        let currents =
            Currents { active_ma: 20.0, radio_ma: 100.0, light_sleep_ma: 0.8, deep_sleep_ma: 0.01, boot_ma: 40.0 };
        // 1 µAh at 100 mA takes 36 ms.
        assert_eq!(time_to_draw(1_000, &currents), 36_000);
        let none = Currents { active_ma: 0.0, radio_ma: 0.0, light_sleep_ma: 0.0, deep_sleep_ma: 0.0, boot_ma: 0.0 };
        assert_eq!(time_to_draw(1_000, &none), 0, "every event reads the meter");
    }

    #[test]
    fn a_peak_seen_at_several_accesses_is_kept_until_an_event_carries_it() {
        let mut gauge = Gauge::default();
        carried(&mut gauge, 10_000, 10_000);
        gauge.see_heap(10_000, 30_000);
        gauge.see_heap(10_010, 10_010);
        assert_eq!(carried(&mut gauge, 10_020, 10_020), (Some(10_020), Some(30_000)));
    }
}
