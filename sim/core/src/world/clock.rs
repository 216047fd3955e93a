//! The virtual clock: microseconds since the run started, and the FreeRTOS tick count of the
//! current boot.
//!
//! Time only moves when the world jumps to its next deadline, so idle time costs nothing. The tick
//! count restarts at every boot from `initial_tick` (FreeRTOS's `configINITIAL_TICK_COUNT`); a
//! scenario sets it close to 2^32 to run scripts across the 32-bit wrap. Internally ticks are
//! counted in 64 bits, so ordering never breaks at the wrap; only the reported value wraps.

use crate::time::{self, Micros};

#[derive(Debug, Clone)]
pub struct Clock {
    now_us: Micros,
    boot_us: Micros,
    tick_hz: u32,
    initial_tick: u32,
}

impl Clock {
    pub fn new(tick_hz: u32, initial_tick: u32) -> Clock {
        Clock { now_us: 0, boot_us: 0, tick_hz, initial_tick }
    }

    pub fn now(&self) -> Micros {
        self.now_us
    }

    pub fn tick_hz(&self) -> u32 {
        self.tick_hz
    }

    /// Ticks elapsed since this boot, never wrapping.
    pub fn ticks_since_boot(&self) -> u64 {
        time::ticks_at(self.now_us - self.boot_us, self.tick_hz)
    }

    /// The 32-bit tick count a script or the firmware would read (`xTaskGetTickCount`).
    pub fn tick32(&self) -> u32 {
        (self.initial_tick as u64).wrapping_add(self.ticks_since_boot()) as u32
    }

    /// Virtual time at which tick `ticks` (since this boot) begins.
    pub fn tick_time(&self, ticks: u64) -> Micros {
        self.boot_us + time::tick_start_us(ticks, self.tick_hz)
    }

    /// Moves time forward; never backwards.
    pub fn advance_to(&mut self, us: Micros) {
        debug_assert!(us >= self.now_us, "virtual time went backwards");
        self.now_us = self.now_us.max(us);
    }

    /// Marks a reset: the tick count starts again from `initial_tick`.
    pub fn reboot(&mut self) {
        self.boot_us = self.now_us;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_count_wraps_at_32_bits() {
        let mut c = Clock::new(1000, u32::MAX - 1);
        assert_eq!(c.tick32(), u32::MAX - 1);
        c.advance_to(2_000);
        assert_eq!(c.tick32(), 0);
        assert_eq!(c.ticks_since_boot(), 2);
    }

    #[test]
    fn reboot_restarts_ticks_but_not_time() {
        let mut c = Clock::new(100, 0);
        c.advance_to(1_234_567);
        c.reboot();
        assert_eq!(c.tick32(), 0);
        assert_eq!(c.tick_time(1), 1_244_567);
        assert_eq!(c.now(), 1_234_567);
    }
}
