//! The run's figures as the world counted them (`figures::Stats`), and what the world hands
//! back when the run is over: the kept trace and the notes `luasim check` reads.

use super::World;
use crate::figures::Stats;
use crate::time::Micros;
use crate::trace::Event;

/// What the world holds at the end of a run besides its figures.
pub struct Leftovers {
    pub events: Vec<Event>,
    /// (virtual time, what failed, `/scripts/x.lua:N`) of each out-of-memory error.
    pub out_of_memory_at: Vec<(Micros, String, String)>,
    /// (event number, script line) of each event recorded during a binding call, when noting.
    pub call_lines: Vec<(u64, String)>,
}

impl World {
    /// The figures so far; `end_reason` says why the run stopped, `battery_mah` (the
    /// scenario's battery) gives the battery life at the run's rate of use.
    pub fn stats(&self, end_reason: &str, battery_mah: Option<f64>) -> Stats {
        let energy = self.energy.report(self.clock.now(), &self.profile.currents, self.radio);
        let battery_days = battery_mah.filter(|_| energy.mah_per_day > 0.0).map(|b| b / energy.mah_per_day);
        Stats {
            simulated_us: self.clock.now(),
            end_reason: end_reason.to_string(),
            boots: self.boots,
            reloads: self.reloads,
            events: self.recorder.event_count(),
            errors: self.recorder.error_count(),
            timers_peak: self.timers.peak(),
            timer_slots: self.timers.capacity(),
            queue_peak: self.queue.peak(),
            queue_len: self.profile.queue_len,
            queue_drops: self.queue.drops(),
            heap_peak_bytes: self.heap_peak,
            host_heap_peak_bytes: self.host_heap_peak,
            heap_limit_bytes: self.profile.heap_limit(),
            heap_drops: self.heap_drops,
            steps_missed: self.steps_missed,
            region_bytes: self.sleep_region.used(),
            region_limit_bytes: self.sleep_region.capacity(),
            energy,
            battery_days,
            sleepy: self.profile.sleepy.then(|| self.sleepy_images.clone()),
            samples: self.samples(),
        }
    }

    /// Ends the run's recording: the kept events and the notes for `luasim check`.
    pub fn finish(&mut self) -> Leftovers {
        Leftovers {
            events: std::mem::take(&mut self.recorder).finish(),
            out_of_memory_at: std::mem::take(&mut self.out_of_memory_at),
            call_lines: std::mem::take(&mut self.call_lines),
        }
    }
}
