//! Sleepy tasks, the world's side: the pending sleep request of a task, the rtos timers as they
//! stand at the sleep (re-armed with what is left of them at the wake), and the tasks' image in
//! the sleep region, torn by a power loss armed for the next write.

use super::sleep_region::RegionFull;
use super::{PowerCut, World};
use crate::time::Micros;
use crate::trace::EventKind;

/// An rtos timer across a sleep: its id, when it is due (virtual µs, the clock survives deep
/// sleep), its period in ticks and the firings it has left (`None`: forever).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SleepyTimer {
    pub id: i64,
    pub due_us: Micros,
    pub period_ticks: u32,
    pub fires_left: Option<u64>,
}

impl World {
    /// A task asked to sleep for `ms` (forever when `None`) with every task kept.
    pub fn request_sleepy(&mut self, ms: Option<u64>) {
        self.sleepy_request = Some(ms);
    }

    /// Whether `take_sleepy_request` would take a request now.
    pub fn sleepy_request_due(&self) -> bool {
        self.queue.is_empty() && self.sleepy_request.is_some()
    }

    /// The pending request, taken once the queue is empty (messages already queued are
    /// handled first).
    pub fn take_sleepy_request(&mut self) -> Option<Option<u64>> {
        if self.queue.is_empty() {
            self.sleepy_request.take()
        } else {
            None
        }
    }

    pub fn sleepy_timers(&self) -> Vec<SleepyTimer> {
        self.timers
            .armed()
            .into_iter()
            .map(|(id, due, period_ticks, fires_left)| SleepyTimer {
                id,
                due_us: self.clock.tick_time(due),
                period_ticks,
                fires_left,
            })
            .collect()
    }

    /// Re-arms the timers of a restored image: a timer due while the device slept fires at
    /// the first tick.
    pub fn rearm_sleepy_timers(&mut self, timers: &[SleepyTimer]) {
        let now = self.clock.ticks_since_boot();
        for t in timers {
            let mut due = now + 1;
            while self.clock.tick_time(due) < t.due_us {
                due += 1;
            }
            let ms = u64::from(t.period_ticks) * 1000 / u64::from(self.clock.tick_hz());
            if self.timers.rearm(t.id, due, t.period_ticks, t.fires_left) {
                let repeat = t.fires_left.map_or(-1, |n| n as i64 - 1);
                let active = self.timers.active_count();
                self.record(EventKind::TimerStart {
                    id: t.id,
                    ms: ms as i64,
                    ticks: (due - now) as u32,
                    repeat,
                    active,
                });
            }
        }
    }

    /// Writes the tasks' image into the sleep region. A power loss armed for the next write
    /// tears it and cuts the power (`Ok(false)`); a region too small refuses it.
    pub fn store_tasks(&mut self, image: Vec<u8>) -> Result<bool, RegionFull> {
        if let Some(off_us) = self.tear_next_write.take() {
            self.sleep_region.tear_tasks(image);
            self.rtc_torn = true;
            self.cut_power(super::power::TORN_WRITE.into(), PowerCut::Loss { off_us });
            return Ok(false);
        }
        let bytes = image.len();
        self.sleep_region.set_tasks(Some(image))?;
        let images = &mut self.sleepy_images;
        images.kept += 1;
        images.peak_bytes = images.peak_bytes.max(bytes);
        images.last_bytes = bytes;
        Ok(true)
    }

    /// A tasks' image was restored at this boot.
    pub fn note_tasks_restored(&mut self) {
        self.sleepy_images.restored += 1;
    }

    /// The tasks' image to restore at this boot, taken out of the region: only after a timer
    /// or GPIO wake from deep sleep of a sleepy device; any other boot drops it.
    pub fn take_tasks_for_wake(&mut self) -> Option<Vec<u8>> {
        let image = self.sleep_region.tasks()?.to_vec();
        self.sleep_region.set_tasks(None).expect("removing the tasks' image always fits");
        (self.profile.sleepy && matches!(self.wake_cause, super::WakeCause::Timer | super::WakeCause::Gpio))
            .then_some(image)
    }
}
