//! The energy meter: how long the device spent in each power state, and the charge that took
//! from the battery at the profile's currents (arithmetic in `docs/energy.md`).

use crate::profile::Currents;
use crate::time::{Micros, MICROS_PER_SEC};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    /// From reset to the first line of `main.lua`.
    Boot,
    /// Awake: Lua runs or waits on the queue.
    Active,
    LightSleep,
    DeepSleep,
    /// No power at all (after a power loss).
    Off,
}

const STATES: usize = 5;

fn index(s: PowerState) -> usize {
    match s {
        PowerState::Boot => 0,
        PowerState::Active => 1,
        PowerState::LightSleep => 2,
        PowerState::DeepSleep => 3,
        PowerState::Off => 4,
    }
}

#[derive(Debug, Clone)]
pub struct EnergyMeter {
    state: PowerState,
    since: Micros,
    time_us: [Micros; STATES],
}

/// Time per state and the charge it cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergyReport {
    pub boot_us: Micros,
    pub active_us: Micros,
    pub light_sleep_us: Micros,
    pub deep_sleep_us: Micros,
    pub off_us: Micros,
    /// Whether awake time was charged at the radio current.
    pub radio: bool,
    pub charge_mah: f64,
    pub mah_per_day: f64,
}

/// µs × mA in one mAh.
const MICROS_MA_PER_MAH: f64 = 3_600.0 * MICROS_PER_SEC as f64;

impl EnergyMeter {
    pub fn new() -> EnergyMeter {
        EnergyMeter { state: PowerState::Off, since: 0, time_us: [0; STATES] }
    }

    /// Switches to `state` at `now`, booking the time spent in the previous one.
    pub fn enter(&mut self, state: PowerState, now: Micros) {
        self.time_us[index(self.state)] += now.saturating_sub(self.since);
        self.state = state;
        self.since = now;
    }

    /// When the power state last changed.
    pub fn since(&self) -> Micros {
        self.since
    }

    /// The report at `now`; awake time counts at the radio current when `radio` is on.
    pub fn report(&self, now: Micros, currents: &Currents, radio: bool) -> EnergyReport {
        let mut t = self.time_us;
        t[index(self.state)] += now.saturating_sub(self.since);
        let awake_ma = if radio { currents.radio_ma } else { currents.active_ma };
        let micro_ma = t[0] as f64 * currents.boot_ma
            + t[1] as f64 * awake_ma
            + t[2] as f64 * currents.light_sleep_ma
            + t[3] as f64 * currents.deep_sleep_ma;
        let charge_mah = micro_ma / MICROS_MA_PER_MAH;
        let days = now as f64 / (86_400.0 * MICROS_PER_SEC as f64);
        EnergyReport {
            boot_us: t[0],
            active_us: t[1],
            light_sleep_us: t[2],
            deep_sleep_us: t[3],
            off_us: t[4],
            radio,
            charge_mah,
            mah_per_day: if days > 0.0 { charge_mah / days } else { 0.0 },
        }
    }
}

impl Default for EnergyMeter {
    fn default() -> Self {
        EnergyMeter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_is_time_times_current() {
        let c =
            Currents { active_ma: 40.0, radio_ma: 100.0, light_sleep_ma: 0.24, deep_sleep_ma: 0.007, boot_ma: 40.0 };
        let mut m = EnergyMeter::new();
        m.enter(PowerState::Active, 0);
        m.enter(PowerState::DeepSleep, 3_600 * MICROS_PER_SEC);
        let r = m.report(2 * 3_600 * MICROS_PER_SEC, &c, false);
        assert!((r.charge_mah - 40.007).abs() < 1e-9, "{r:?}");
        let r = m.report(2 * 3_600 * MICROS_PER_SEC, &c, true);
        assert!((r.charge_mah - 100.007).abs() < 1e-9);
    }
}
