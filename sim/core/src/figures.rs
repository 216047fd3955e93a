//! The figures of a finished run, defined once: the summary prints them, `--json` and the
//! suite's rows carry them, and `measure:` expectations judge them.

use std::collections::BTreeMap;

use crate::time::Micros;
use crate::world::EnergyReport;
use serde::{Deserialize, Serialize};

/// Figures of a finished run. Deterministic: no wall-clock values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub simulated_us: Micros,
    pub end_reason: String,
    pub boots: u32,
    pub reloads: u32,
    pub events: u64,
    pub errors: u64,
    pub timers_peak: usize,
    pub timer_slots: usize,
    pub queue_peak: usize,
    pub queue_len: usize,
    pub queue_drops: u64,
    /// Largest Lua heap in device (32-bit) bytes, exact (`docs/memory.md`).
    pub heap_peak_bytes: usize,
    /// The same on this 64-bit host, sampled at rtos calls and every 1000 instructions.
    pub host_heap_peak_bytes: usize,
    pub heap_limit_bytes: usize,
    /// Firmware messages dropped because their data did not fit in the Lua heap.
    pub heap_drops: u64,
    /// Scenario steps that found the device asleep or off (each is traced as missed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub steps_missed: u64,
    /// Sleep-region bytes in use at the end, and its size.
    pub region_bytes: usize,
    pub region_limit_bytes: usize,
    pub energy: EnergyReport,
    /// Days the scenario's `battery_mah` lasts at this run's average draw.
    pub battery_days: Option<f64>,
    /// Sleepy tasks' images (`docs/sleepy-tasks.md`); only on a sleepy device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleepy: Option<SleepyImages>,
    /// The device at the moments the expectations asked about (`world/probes.rs`), in time
    /// order; not part of the printed or JSON figures.
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

/// The device at one moment: the charge drawn since power-on and the sleep region's entries
/// as Lua literals by key (`None`: the region's image is torn, a boot would find it corrupt).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub at_us: Micros,
    pub charge_mah: f64,
    pub region: Option<BTreeMap<String, String>>,
}

/// The sleeping tasks' images of a run: how many were kept and restored, and their sizes
/// (container and persister image, as the trace's `tasks kept: image N bytes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SleepyImages {
    pub kept: u64,
    pub restored: u64,
    pub peak_bytes: usize,
    pub last_bytes: usize,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
