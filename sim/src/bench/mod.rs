//! `luasim bench`: how fast the simulator runs, measured as ratios within one run so that a
//! noisy machine does not matter much (simulated time / wall time, simulator / bare mlua, all
//! cores / one core). Each workload is one file; `ALL` lists them. Wall-clock time is read
//! here, at the edge, never inside the simulation.

mod message_storm;
mod qemu;
mod state_creation;
mod suite;
mod timer_storm;
mod wake_year;

use mlua::{Lua, LuaOptions, StdLib, Table};
use std::time::{Duration, Instant};

/// One benchmark's result: what was measured and the figures, as label/value pairs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchResult {
    pub name: &'static str,
    pub what: String,
    pub figures: Vec<(String, String)>,
    /// Whether the workload met its target, when it has one.
    pub target_met: Option<bool>,
}

/// How big the workloads are: `full` is what docs/BENCHMARKS.md reports, `quick` a smoke run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Quick,
    Full,
}

pub struct Workload {
    pub name: &'static str,
    pub run: fn(Size) -> Result<BenchResult, String>,
}

pub const ALL: &[Workload] = &[
    Workload { name: "wake-year", run: wake_year::run },
    Workload { name: "timer-storm", run: timer_storm::run },
    Workload { name: "message-storm", run: message_storm::run },
    Workload { name: "state-creation", run: state_creation::run },
    Workload { name: "suite", run: suite::run },
    Workload { name: "qemu", run: qemu::run },
];

/// Times `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed())
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// An inline scenario (YAML text).
fn parse_yaml(yaml: &str) -> Result<luasim_core::scenario::Scenario, String> {
    luasim_core::scenario::Scenario::parse(
        yaml,
        "bench.yaml",
        std::path::Path::new("."),
        &luasim_core::scenario::HostFiles,
    )
    .map_err(|e| e.to_string())
}

/// Runs an inline scenario (YAML text) to its end without keeping events.
fn run_yaml(yaml: &str) -> Result<luasim_core::runtime::RunReport, String> {
    luasim_core::runtime::run(&parse_yaml(yaml)?, &luasim_core::runtime::RunOptions::default())
        .map_err(|e| e.to_string())
}

/// The bare mlua state the simulator is compared with: the safe standard libraries and, as the
/// device's sandbox leaves it, a `debug` holding only `traceback`, which `sys.lua` captures when
/// it loads (`Lua::new()` has no `debug` at all, and `sys.lua` would not load).
fn bare_lua() -> Result<Lua, String> {
    // SAFETY: the constructor is unsafe because it allows `debug` and C modules. `debug` is cut
    // down to `traceback` below, before any code runs, and the state only ever runs the
    // benchmark's own scripts and `sys.lua`, which load no C module.
    let lua = unsafe { Lua::unsafe_new_with(StdLib::ALL_SAFE | StdLib::DEBUG, LuaOptions::new()) };
    let trim = || -> mlua::Result<()> {
        let globals = lua.globals();
        let traceback: mlua::Function = globals.get::<Table>("debug")?.get("traceback")?;
        let debug = lua.create_table()?;
        debug.set("traceback", traceback)?;
        globals.set("debug", debug)
    };
    trim().map_err(|e| e.to_string())?;
    Ok(lua)
}
