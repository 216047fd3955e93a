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

/// One benchmark's result: what was measured and the figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchResult {
    pub name: &'static str,
    pub what: String,
    pub figures: Vec<Figure>,
    /// Whether every figure with a target met it (`None`: no figure has one).
    pub target_met: Option<bool>,
}

impl BenchResult {
    /// A result whose `target_met` sums up its figures' targets.
    fn new(name: &'static str, what: String, figures: Vec<Figure>) -> BenchResult {
        let verdicts: Vec<bool> = figures.iter().filter_map(|f| f.target.as_ref().map(|t| t.met)).collect();
        let target_met = (!verdicts.is_empty()).then(|| verdicts.iter().all(|&met| met));
        BenchResult { name, what, figures, target_met }
    }
}

/// One measured figure: a number in a unit, for machines, and its text, for people.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    /// `s`, `us`, `count`, `per_s` or `ratio`.
    pub unit: &'static str,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

/// A bound a figure should keep (`value <= bound` or `value >= bound`) and whether it did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Target {
    pub at_most: Option<f64>,
    pub at_least: Option<f64>,
    pub met: bool,
}

impl Figure {
    fn new(name: impl Into<String>, value: f64, unit: &'static str, text: String) -> Figure {
        Figure { name: name.into(), value, unit, text, target: None }
    }

    fn seconds(name: impl Into<String>, d: Duration) -> Figure {
        Figure::new(name, d.as_secs_f64(), "s", secs(d))
    }

    fn count(name: impl Into<String>, n: f64) -> Figure {
        Figure::new(name, n, "count", format!("{n:.0}"))
    }

    fn ratio(name: impl Into<String>, value: f64) -> Figure {
        Figure::new(name, value, "ratio", format!("{value:.2}x"))
    }

    /// This figure should be at most `bound`; the text says so.
    fn at_most(mut self, bound: f64) -> Figure {
        self.text = format!("{} (target <= {bound})", self.text);
        self.target = Some(Target { at_most: Some(bound), at_least: None, met: self.value <= bound });
        self
    }

    /// This figure should be at least `bound`; the text says so.
    fn at_least(mut self, bound: f64) -> Figure {
        self.text = format!("{} (target >= {bound})", self.text);
        self.target = Some(Target { at_most: None, at_least: Some(bound), met: self.value >= bound });
        self
    }
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

/// The 1-, 5- and 15-minute load averages of the machine (Linux's `/proc/loadavg`), to say how
/// busy it was while wall-clock ratios were taken; `None` where the system does not tell.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}
