//! Sleep and power: deep sleep (main RAM lost, the sleep region and the clock survive, the
//! device boots again), light sleep (everything kept, the clock runs on at low current), GPIO
//! wake-ups, brownouts and power losses.

use super::energy::PowerState;
use super::sleep_region::RtcValue;
use super::steps::Action;
use super::{Halt, World};
use crate::time::{Micros, MICROS_PER_MS};
use crate::trace::EventKind;

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

/// A power cut a scenario step causes while the device is awake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerCut {
    /// The supply sags: the chip resets and RTC memory is lost.
    Brownout,
    /// The supply is gone for `off_us`; RTC memory is lost (or torn, mid-write).
    Loss { off_us: Micros },
}

impl World {
    /// Deep sleep for `ms` (forever when `None`), until a GPIO step wakes the device or the run
    /// ends. Main RAM is lost at the next boot; the sleep region and the clock survive. Steps
    /// that arrive meanwhile find the device asleep and are missed.
    pub fn deep_sleep(&mut self, ms: Option<u64>) -> WakeCause {
        self.record(EventKind::Sleep { mode: "deep".into(), ms });
        self.energy.enter(PowerState::DeepSleep, self.clock.now());
        let until = ms.map_or(self.end_at, |ms| self.clock.now().saturating_add(ms.saturating_mul(MICROS_PER_MS)));
        let until = until.min(self.end_at);
        while let Some(step) = self.take_step_paced(until) {
            self.clock.advance_to(step.at);
            match step.action.clone() {
                Action::Gpio { pin } => {
                    self.record(EventKind::Inject { step: format!("gpio {pin} (wakes the device)") });
                    return WakeCause::Gpio;
                }
                Action::Brownout => {
                    self.record(EventKind::Inject { step: "brownout".into() });
                    self.sleep_region.wipe();
                    return WakeCause::Brownout;
                }
                Action::PowerLoss { off_us, during_write: true } => {
                    self.record(EventKind::Inject { step: step.action.describe() });
                    self.tear_next_write = Some(off_us);
                }
                Action::PowerLoss { off_us, during_write: false } => {
                    self.record(EventKind::Inject { step: "power loss".into() });
                    self.sleep_region.wipe();
                    self.power_off(off_us);
                    return WakeCause::PowerOn;
                }
                // The broker's outage happens outside the device, asleep or not.
                outage @ Action::MqttDisconnect { .. } => self.apply(outage),
                other => {
                    self.steps_missed += 1;
                    self.record(EventKind::Inject { step: format!("missed while asleep: {}", other.describe()) });
                }
            }
        }
        let until = until.min(self.end_at);
        self.clock.advance_to(until);
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
            self.clock.advance_to(next);
            if self.take_due_gpio() {
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
            self.clock.advance_to(until);
            if until >= self.end_at {
                self.request_halt(Halt::EndOfRun);
            }
        }
        self.energy.enter(PowerState::Active, self.clock.now());
        cause
    }

    /// A power cut while awake: the Lua state unwinds and the device starts from power-on.
    pub fn cut_power(&mut self, cut: PowerCut) {
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

    /// `RTC.set` while a `power_loss: { during_write: true }` step is armed: the write is torn
    /// and the power goes. Returns true when that happened.
    pub fn tear_rtc_write_if_armed(&mut self, key: &[u8], value: Option<RtcValue>) -> bool {
        let Some(off_us) = self.tear_next_write.take() else { return false };
        self.sleep_region.tear_write(key, value);
        self.rtc_torn = true;
        self.record(EventKind::Inject { step: "power loss during a sleep-region write".into() });
        self.cut_power(PowerCut::Loss { off_us });
        true
    }

    fn power_off(&mut self, off_us: Micros) {
        self.energy.enter(PowerState::Off, self.clock.now());
        let back = self.clock.now().saturating_add(off_us).min(self.end_at);
        while let Some(step) = self.take_step_paced(back) {
            self.clock.advance_to(step.at);
            if let Action::MqttDisconnect { .. } = step.action {
                self.apply(step.action);
                continue;
            }
            self.steps_missed += 1;
            self.record(EventKind::Inject { step: format!("missed while off: {}", step.action.describe()) });
        }
        let back = back.min(self.end_at);
        self.clock.advance_to(back);
        if back >= self.end_at {
            self.request_halt(Halt::EndOfRun);
        }
    }
}
