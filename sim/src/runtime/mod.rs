//! Runs a scenario: boots the device, runs `main.lua` then `rules.lua` in a fresh Lua state,
//! lets virtual time run to the end, reboots when the scripts ask, and reports.
//!
//! This is the only place that creates and drops Lua states. The `World` moves into each state
//! as app data and is taken back when the state is torn down, so it outlives every boot.

mod loader;
mod state;
pub mod watchdog;

pub use loader::READER_PIECE;
pub use state::{REMOVED, SYS_LUA};

use crate::bindings::world;
use crate::expect::{Check, Outcome};
use crate::scenario::Scenario;
use crate::time::Micros;
use crate::trace::{Event, EventKind};
use crate::vfs::{MAIN_SCRIPT, RULES_SCRIPT};
use crate::world::{Halt, Recorder, Wait, World};
use mlua::{Function, Lua, Value};
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Keep every event in the report (for printing and export). Expectations are checked either way.
    pub keep_events: bool,
}

/// Figures of a finished run. Deterministic: no wall-clock values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub simulated_us: Micros,
    pub end_reason: String,
    pub boots: u32,
    pub events: u64,
    pub errors: u64,
    pub timers_peak: usize,
    pub timer_slots: usize,
    pub queue_peak: usize,
    pub queue_len: usize,
    pub queue_drops: u64,
    /// Largest Lua heap use seen (host bytes, sampled at rtos calls and every 1000 instructions).
    pub heap_peak_bytes: usize,
    pub heap_limit_bytes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub scenario: String,
    pub stats: Stats,
    pub outcomes: Vec<Outcome>,
    #[serde(skip)]
    pub events: Vec<Event>,
}

impl RunReport {
    /// Every expectation held and the run was not cut short by the watchdog.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed) && self.stats.end_reason != END_WATCHDOG
    }
}

/// The device could not be simulated at all (not a script error, which is traced).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("could not build the device's Lua state: {0}")]
    State(String),
}

const END_DURATION: &str = "duration reached";
const END_WATCHDOG: &str = "watchdog";

/// Runs `scenario` to its end.
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<RunReport, RunError> {
    let checks = scenario.expect.iter().cloned().map(Check::new).collect();
    let mut world = World::new(
        scenario.profile.clone(),
        scenario.files.clone(),
        scenario.start_tick,
        scenario.duration,
        scenario.steps.clone(),
        Recorder::new(options.keep_events, checks),
    );
    let mut cause = "power-on";
    let end_reason = loop {
        tracing::debug!(scenario = %scenario.name, cause, at_us = world.clock.now(), "boot");
        world.boot(cause);
        world.pass_time(scenario.profile.boot_ms);
        if world.halt().is_none() {
            world = boot_scripts(world, scenario.seed)?;
        }
        match world.take_halt() {
            Some(Halt::Reboot) => cause = "software reset",
            Some(Halt::Watchdog { location }) => {
                let p = &world.profile;
                let message = format!(
                    "Lua ran for more than {} ms of CPU time (~{} instructions) without yielding, at {location}",
                    p.watchdog_ms,
                    p.watchdog_instructions()
                );
                world.record(EventKind::Error {
                    what: "watchdog".into(),
                    message,
                });
                break END_WATCHDOG;
            }
            Some(Halt::EndOfRun) | None => break END_DURATION,
        }
    };
    world.record(EventKind::End {
        reason: end_reason.to_string(),
    });
    Ok(report(scenario, world, end_reason))
}

/// One boot: a fresh state runs `main.lua`, then `rules.lua`; if they return, the firmware's
/// Lua task keeps draining the queue until the device halts. Returns the world.
fn boot_scripts(device: World, seed: u64) -> Result<World, RunError> {
    let lua = state::new_state(device, seed).map_err(|e| RunError::State(e.to_string()))?;
    let run_script: Function = lua
        .named_registry_value(state::RUN_SCRIPT)
        .map_err(|e| RunError::State(e.to_string()))?;
    for path in [MAIN_SCRIPT, RULES_SCRIPT] {
        if world(&lua).halt().is_some() {
            break;
        }
        if !world(&lua).flash.contains(path) {
            continue;
        }
        let failure = match run_script.call::<(bool, Value)>(path) {
            Ok((true, _)) => None,
            Ok((false, err)) => Some(describe_error(&err)),
            Err(err) => Some(err.to_string()),
        };
        if let Some(message) = failure.filter(|_| world(&lua).halt().is_none()) {
            world(&lua).record(EventKind::Error {
                what: format!("script {path}"),
                message,
            });
        }
    }
    drain_until_halt(&lua);
    world(&lua).note_heap(lua.used_memory());
    Ok(lua
        .remove_app_data::<World>()
        .expect("the state still owns its world"))
}

/// The firmware's Lua task when no script loop runs: take messages and discard them.
fn drain_until_halt(lua: &Lua) {
    let mut w = world(lua);
    while w.wait_for_message(None) != Wait::Halted {}
}

/// An error value as text, without the frames of the boot machinery below the script.
fn describe_error(err: &Value) -> String {
    let text = match err {
        Value::String(s) => s.to_string_lossy(),
        other => other.to_string().unwrap_or_else(|_| format!("{other:?}")),
    };
    match text.find("\n\t[C]: in function 'xpcall'") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

fn report(scenario: &Scenario, world: World, end_reason: &str) -> RunReport {
    let stats = Stats {
        simulated_us: world.clock.now(),
        end_reason: end_reason.to_string(),
        boots: world.boots(),
        events: world.recorder.event_count(),
        errors: world.recorder.error_count(),
        timers_peak: world.timers.peak(),
        timer_slots: world.timers.capacity(),
        queue_peak: world.queue.peak(),
        queue_len: world.profile.queue_len,
        queue_drops: world.queue.drops(),
        heap_peak_bytes: world.heap_peak(),
        heap_limit_bytes: world.profile.lua_heap_bytes,
    };
    let (events, checks) = world.recorder.finish();
    RunReport {
        scenario: scenario.name.clone(),
        stats,
        outcomes: checks.iter().map(Check::outcome).collect(),
        events,
    }
}
