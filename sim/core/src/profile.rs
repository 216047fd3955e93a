//! Device profiles: what a given ESP32 build looks like to Lua, as data.
//!
//! Profiles are YAML files under `sim/core/profiles/`, compiled into the binary so `luasim` needs no
//! files beside it. A scenario names a profile and may override single fields
//! (`device: { profile: esp32, tick_hz: 1000 }`).

use serde::{Deserialize, Serialize};

/// One device build: chip, FreeRTOS configuration, Lua budgets and compiled-in modules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub chip: String,
    pub lua_version: String,
    /// FreeRTOS `configTICK_RATE_HZ`.
    pub tick_hz: u32,
    /// Length of the rtos message queue.
    pub queue_len: usize,
    /// Number of FreeRTOS software timers the `rtos` module may use at once.
    pub timer_slots: usize,
    /// Bytes the Lua allocator may hand out before Lua sees "not enough memory".
    pub lua_heap_bytes: usize,
    /// Estimated Lua VM instructions per millisecond of CPU time on this chip.
    pub lua_instructions_per_ms: u64,
    /// Task watchdog period: Lua running longer than this without yielding is stopped.
    pub watchdog_ms: u64,
    /// Time from reset to the first line of `main.lua`.
    pub boot_ms: u64,
    /// Optional firmware modules compiled into this build (`telegram`, `gnss`).
    pub modules: Vec<String>,
    /// Bytes of RTC memory that survive deep sleep (the sleep region).
    pub sleep_region_bytes: usize,
    /// Supply currents per power state.
    pub currents: Currents,
    /// Reproduce the seed's buggy hot reload: old Lua states and their callbacks stay alive.
    #[serde(default)]
    pub naive_reload: bool,
    /// Keep the whole Lua VM in the sleep region: the heap is capped at the region's size, the
    /// state survives deep sleep, and only a lean firmware surface is loaded.
    #[serde(default)]
    pub vm_in_sleep_region: bool,
    /// Extra standard libraries of the lean whole-VM state (`string`, `table`, `math`, `utf8`,
    /// `coroutine`); it always has the base library.
    #[serde(default)]
    pub vm_libs: Vec<String>,
    /// Sleepy tasks (`docs/sleepy-tasks.md`): `Node.deepSleep` in a task keeps every suspended
    /// task in the sleep region and the wake resumes them. Lua 5.4 builds only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sleepy: bool,
    /// With `sleepy`: the image carries the scripts' bytecode instead of naming them by path and
    /// CRC-32, so the tasks go on in the code they slept in even if a script changes between
    /// sleeps (`docs/sleepy-tasks.md`, "Embedded code").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sleepy_embed_code: bool,
    /// What a LuatOS firmware reports about itself (`rtos.bsp`, `rtos.version`, the system
    /// heap); read only by builds with the `luatos` module (`docs/luatos.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luatos: Option<LuatosBuild>,
}

/// The LuatOS firmware's own figures: its version and build date, and its system heap, which
/// `rtos.meminfo("sys")` reports (the Lua heap is `lua_heap_bytes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LuatosBuild {
    /// `rtos.bsp()`: the board support package's name (`ESP32C3`).
    pub bsp: String,
    /// `rtos.version()` (`V1010`); `rtos.firmware()` is `LuatOS-SoC_<version>_<bsp>`.
    pub version: String,
    /// `rtos.buildDate()`, in C's `__DATE__` form (`Jan  1 2025`).
    pub build_date: String,
    /// System heap (`rtos.meminfo("sys")`): total bytes...
    pub sys_heap_bytes: u64,
    /// ...and the bytes the firmware itself holds once booted (Wi-Fi, drivers, buffers).
    pub sys_heap_used_bytes: u64,
    /// The firmware type number `rtos.version(true)` gives second (`LUAT_CONF_FIRMWARE_TYPE_NUM`;
    /// 0 when the build does not define it).
    #[serde(default)]
    pub firmware_type: u64,
}

/// Supply current in each power state, in mA (datasheet-typical figures; see `docs/energy.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currents {
    /// Awake, CPU running, radio off.
    pub active_ma: f64,
    /// Awake with Wi-Fi on (average, not TX peaks).
    pub radio_ma: f64,
    pub light_sleep_ma: f64,
    /// RTC timer and RTC memory on.
    pub deep_sleep_ma: f64,
    /// From reset until `main.lua` runs (`boot_ms` long).
    pub boot_ma: f64,
}

/// The firmware's builds: the profiles `firmware-shim/` runs too, and the ones `luasim check`
/// smoke-runs a script on when no build is named.
const BUILT_IN: [(&str, &str); 3] = [
    ("esp32", include_str!("../profiles/esp32.yaml")),
    ("esp32s3", include_str!("../profiles/esp32s3.yaml")),
    ("esp32c3", include_str!("../profiles/esp32c3.yaml")),
];

/// Builds only the simulator has: LuatOS's surface, which the firmware does not implement.
const SIMULATOR_ONLY: [(&str, &str); 1] = [("luatos", include_str!("../profiles/luatos.yaml"))];

/// Names of the firmware's builds compiled into this binary.
pub fn built_in_names() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|(name, _)| *name)
}

/// Names of every profile compiled into this binary: the firmware's builds, then the
/// simulator-only ones (`luatos`).
pub fn all_names() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().chain(SIMULATOR_ONLY.iter()).map(|(name, _)| *name)
}

/// The built-in profile's YAML text, or `None` for an unknown name.
pub fn built_in_yaml(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().chain(SIMULATOR_ONLY.iter()).find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The build option that selects LuatOS's surface and semantics (`docs/luatos.md`).
pub const LUATOS: &str = "luatos";

impl Profile {
    /// Whether the build has an optional module (`telegram`, `gnss`, `luatos`).
    pub fn has_module(&self, module: &str) -> bool {
        self.modules.iter().any(|m| m == module)
    }

    /// Loads a built-in profile by name.
    pub fn built_in(name: &str) -> Option<Profile> {
        let text = built_in_yaml(name)?;
        Some(serde_yaml::from_str(text).expect("built-in profiles are valid (tested)"))
    }

    /// The Lua heap limit in device bytes: the sleep region when the whole VM lives there.
    pub fn heap_limit(&self) -> usize {
        if self.vm_in_sleep_region {
            self.sleep_region_bytes
        } else {
            self.lua_heap_bytes
        }
    }

    /// Watchdog budget in Lua VM instructions.
    pub fn watchdog_instructions(&self) -> u64 {
        self.watchdog_ms.saturating_mul(self.lua_instructions_per_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_parses_and_matches_its_name() {
        for name in all_names() {
            let p = Profile::built_in(name).unwrap();
            assert_eq!(p.name, name);
            assert_eq!(p.queue_len, 256);
            assert_eq!(p.timer_slots, 64);
        }
        assert!(Profile::built_in("esp8266").is_none());
    }
}
