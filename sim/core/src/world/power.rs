//! Sleep and power: deep sleep (main RAM lost, the sleep region and the clock survive, the
//! device boots again), light sleep (everything kept, the clock runs on at low current), GPIO
//! wake-ups, brownouts and power losses.

use super::energy::PowerState;
use super::sleep_region::{RegionFull, RtcValue};
use super::steps::Action;
use super::{Halt, World};
use crate::contract::power::{Phase, Reaction};
use crate::time::{Micros, MICROS_PER_MS};
use crate::trace::EventKind;
use std::fmt;

/// Why the device is running (ESP-IDF's reset and wake-up causes, simplified).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeCause {
    PowerOn,
    Timer,
    Gpio,
    Reset,
    Brownout,
    /// A hot reload: the scripts run again in a fresh state, the device did not reset.
    Reload,
}

impl WakeCause {
    /// What `Node.wakeCause()` returns.
    pub fn as_str(self) -> &'static str {
        match self {
            WakeCause::PowerOn => "power-on",
            WakeCause::Timer => "timer",
            WakeCause::Gpio => "gpio",
            WakeCause::Reset => "reset",
            WakeCause::Brownout => "brownout",
            WakeCause::Reload => "reload",
        }
    }
}

/// A power cut a scenario step causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerCut {
    /// The supply sags: the chip resets and RTC memory is lost.
    Brownout,
    /// The supply is gone for `off_us`; RTC memory is lost (or torn, mid-write).
    Loss { off_us: Micros },
}

impl fmt::Display for PowerCut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PowerCut::Brownout => "brownout",
            PowerCut::Loss { .. } => "power loss",
        })
    }
}

/// How a power loss armed for the next sleep-region write is traced when it strikes.
pub(super) const TORN_WRITE: &str = "power loss during a sleep-region write";

impl World {
    /// Deep sleep for `ms` (forever when `None`), until a GPIO step wakes the device or the run
    /// ends. Main RAM is lost at the next boot; the sleep region and the clock survive. Steps
    /// that arrive meanwhile find the device asleep and are missed.
    pub fn deep_sleep(&mut self, ms: Option<u64>) -> WakeCause {
        self.record(EventKind::Sleep { mode: "deep".into(), ms });
        self.energy.enter(PowerState::DeepSleep, self.clock.now());
        self.end_mqtt_session();
        let until = ms.map_or(self.end_at, |ms| self.clock.now().saturating_add(ms.saturating_mul(MICROS_PER_MS)));
        let until = until.min(self.end_at);
        while let Some(step) = self.take_step_paced(until) {
            self.advance_clock(step.at);
            if let Some(cause) = self.step_while_asleep(step.action) {
                return cause;
            }
        }
        let until = until.min(self.end_at);
        self.advance_clock(until);
        if until >= self.end_at {
            self.request_halt(Halt::EndOfRun);
        }
        WakeCause::Timer
    }

    /// Deep sleep with the whole Lua VM kept in the sleep region: the chip sleeps and boots
    /// again, but the VM resumes where it slept instead of running the scripts from the start.
    /// Returns the wake cause, or `None` when the run ended or the VM was lost (then a halt is
    /// requested).
    pub fn deep_sleep_keeping_vm(&mut self, ms: Option<u64>) -> Option<WakeCause> {
        let cause = self.deep_sleep(ms);
        if self.halt().is_some() {
            return None;
        }
        match cause {
            WakeCause::Timer | WakeCause::Gpio => {
                self.boot(cause, "Lua VM kept in the sleep region");
                self.pass_boot_time(self.profile.boot_ms);
                self.halt().is_none().then_some(cause)
            }
            lost => {
                self.request_halt(Halt::VmLost(lost));
                None
            }
        }
    }

    /// Light sleep for `ms`: Lua's state stays, timers fire into the queue, the clock runs at
    /// light-sleep current. A GPIO step wakes early. Returns the wake cause.
    pub fn light_sleep(&mut self, ms: u64) -> WakeCause {
        self.record(EventKind::Sleep { mode: "light".into(), ms: Some(ms) });
        self.energy.enter(PowerState::LightSleep, self.clock.now());
        let until = self.clock.now().saturating_add(ms.saturating_mul(MICROS_PER_MS)).min(self.end_at);
        let mut cause = WakeCause::Timer;
        while let Some(next) = self.next_due(until) {
            self.advance_clock(next);
            if self.take_due_wake() {
                cause = WakeCause::Gpio;
                break;
            }
            self.process_due();
            if self.halt().is_some() {
                break;
            }
        }
        if cause == WakeCause::Timer && !self.power_interrupted() {
            let until = until.min(self.end_at);
            self.advance_clock(until);
            if until >= self.end_at {
                self.request_halt(Halt::EndOfRun);
            }
        }
        self.energy.enter(PowerState::Active, self.clock.now());
        cause
    }

    /// A power cut while awake, traced as `step`: the Lua state unwinds and the device starts
    /// from power-on. The event says the heap is gone (`gauges`).
    pub fn cut_power(&mut self, step: String, cut: PowerCut) {
        self.gauge.see_heap(0, 0);
        self.record(EventKind::Inject { step });
        self.request_halt(Halt::PowerCut(cut));
    }

    /// Applies a power cut after Lua has unwound; returns the wake cause of the next boot.
    pub fn after_power_cut(&mut self, cut: PowerCut) -> WakeCause {
        match cut {
            PowerCut::Brownout => {
                self.sleep_region.wipe();
                WakeCause::Brownout
            }
            PowerCut::Loss { off_us } => {
                if !self.rtc_torn {
                    self.sleep_region.wipe();
                }
                self.power_off(off_us);
                WakeCause::PowerOn
            }
        }
    }

    /// `RTC.set` (`None`: `RTC.remove`). Returns `Ok(false)` when a `power_loss: {
    /// during_write: true }` step was armed: the write is torn and the power goes.
    pub fn rtc_write(&mut self, key: &[u8], value: Option<RtcValue>) -> Result<bool, RegionFull> {
        let Some(off_us) = self.tear_next_write.take() else {
            return self.sleep_region.set(key, value).map(|()| true);
        };
        self.sleep_region.tear_write(key, value);
        self.rtc_torn = true;
        self.cut_power(TORN_WRITE.into(), PowerCut::Loss { off_us });
        Ok(false)
    }

    /// `RTC.clear`.
    pub fn rtc_clear(&mut self) {
        self.sleep_region.clear();
    }

    /// A step that finds the device in deep sleep, played as `contract::power` says; returns
    /// the wake cause when it ends the sleep.
    fn step_while_asleep(&mut self, action: Action) -> Option<WakeCause> {
        match action.reaction(Phase::DeepSleep) {
            Reaction::Enters | Reaction::Outside => self.apply(action),
            Reaction::Wakes => {
                self.record_wake(&action);
                return Some(WakeCause::Gpio);
            }
            Reaction::CutsPower => match action.power_cut() {
                Some(cut) => {
                    self.record(EventKind::Inject { step: cut.to_string() });
                    return Some(self.after_power_cut(cut));
                }
                None => self.apply(action),
            },
            Reaction::Missed => self.miss(&action, "asleep"),
        }
        None
    }

    /// Traces a step that wakes the device.
    pub(super) fn record_wake(&mut self, action: &Action) {
        self.record(EventKind::Inject { step: format!("{} (wakes the device)", action.describe()) });
    }

    /// Traces and counts a step nobody was there to take (`missed while asleep: ...`).
    fn miss(&mut self, action: &Action, state: &str) {
        self.steps_missed += 1;
        self.record(EventKind::Inject { step: format!("missed while {state}: {}", action.describe()) });
    }

    fn power_off(&mut self, off_us: Micros) {
        self.energy.enter(PowerState::Off, self.clock.now());
        let back = self.clock.now().saturating_add(off_us).min(self.end_at);
        while let Some(step) = self.take_step_paced(back) {
            self.advance_clock(step.at);
            match step.action.reaction(Phase::Off) {
                Reaction::Outside => self.apply(step.action),
                // Nothing else reaches a chip without power (`contract::power`'s tests).
                _ => self.miss(&step.action, "off"),
            }
        }
        let back = back.min(self.end_at);
        self.advance_clock(back);
        if back >= self.end_at {
            self.request_halt(Halt::EndOfRun);
        }
    }
}
