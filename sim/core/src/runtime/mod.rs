//! Runs a scenario: boots the device, runs `main.lua` then `rules.lua` in a fresh Lua state,
//! lets virtual time run to the end, reloads and reboots when asked, and reports.
//!
//! This is the only place that creates and drops Lua states. The `World` lives in a `Device`
//! shared by every state, so it outlives every boot and reload.

pub mod device_lua;
mod fleet;
pub mod host_environment;
mod loader;
pub mod luatos;
mod mocks;
mod sandbox;
#[cfg(feature = "lua54")]
pub(crate) mod sleepy;
mod state;

/// Live mode's hook into the world (`luasim live`) and the firmware's own MQTT topics.
pub use crate::world::{mqtt_prefix, reload_topic, Arrival, Outside};
pub use loader::{compile, syntax_check, CompileError, CompiledChunk, READER_PIECE};
pub use sandbox::REMOVED;
pub use state::SYS_LUA;

use crate::bindings::{describe_error, take_message};
use crate::device::coverage::Coverage;
use crate::device::note_out_of_memory;
use crate::device::Device;
use crate::expect::{Judge, Outcome};
use crate::figures::Stats;
use crate::hostlimit;
use crate::lua_error::LuaError;
use crate::memory;
use crate::scenario::Scenario;
use crate::time::Micros;
use crate::trace::{Event, EventKind, Observer, Tail};
use crate::vfs::{MAIN_SCRIPT, RULES_SCRIPT};
use crate::world::{Halt, Leftovers, Recorder, Wait, WakeCause, World};
use mlua::{Function, Lua, Value};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Keep every event in the report (for printing and export). Expectations are checked either way.
    pub keep_events: bool,
    /// Count line coverage of the scripts (`RunReport::coverage`). The trace is the same.
    pub coverage: bool,
    /// Keep the last this many trace lines in `RunReport::tail` (0: none).
    pub tail: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    pub scenario: String,
    pub stats: Stats,
    pub outcomes: Vec<Outcome>,
    #[serde(skip)]
    pub events: Vec<Event>,
    /// (virtual time, what failed, script line) of out-of-memory errors (`World::out_of_memory_at`).
    #[serde(skip)]
    pub out_of_memory_at: Vec<(Micros, String, String)>,
    /// (event number, script line) of events recorded during binding calls, for runs made by
    /// `run_noting_lines` (empty otherwise).
    #[serde(skip)]
    pub call_lines: Vec<(u64, String)>,
    /// Line coverage of the scripts, for runs with `RunOptions::coverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// The last trace lines, for runs with `RunOptions::tail`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tail: Vec<String>,
    /// A fleet's devices, each one's report (without events: they are in `events`, merged);
    /// empty for a single device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<RunReport>,
}

impl RunReport {
    /// Every expectation held. (A watchdog trip is an error event, so it fails the default
    /// "no errors" unless the scenario expects it.)
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.passed)
    }
}

/// The device could not be simulated at all (not a script error, which is traced).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// mlua's error as `LuaError` (mlua's is not `Send`, and the gate runs scenarios on threads).
    #[error("could not build the device's Lua state: {0}")]
    State(#[source] LuaError),
    #[error(
        "the run recorded {limit} events (the `max_events` limit) by {} s of its {} s and was stopped as a \
         runaway (a fast timer over a long duration?); `max_events:` in the scenario raises the limit",
        crate::time::Secs(*at),
        crate::time::Secs(*duration)
    )]
    TooManyEvents { limit: u64, at: Micros, duration: Micros },
}

impl From<mlua::Error> for RunError {
    fn from(e: mlua::Error) -> RunError {
        RunError::State(LuaError::from(e))
    }
}

const END_DURATION: &str = "duration reached";
const END_WATCHDOG: &str = "watchdog";
const END_SESSION: &str = "session ended";

/// Runs `scenario` to its end (a fleet's devices together, `fleet/`).
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<RunReport, RunError> {
    match &scenario.fleet {
        Some(fleet) => fleet::run(scenario, fleet, options),
        None => run_with(scenario, options, false, None),
    }
}

/// Runs one device of a fleet, `outside` being its link to the others.
fn run_outside(scenario: &Scenario, options: &RunOptions, outside: Box<dyn Outside>) -> Result<RunReport, RunError> {
    run_with(scenario, options, false, Some((outside, None)))
}

/// Runs `scenario` in live mode: `outside` paces virtual time to the wall clock, brings the
/// broker's messages in and takes the device's MQTT out (`world/outside.rs`); `watcher` sees
/// every trace event as it happens. The only mode whose trace depends on the wall clock.
pub fn run_live(
    scenario: &Scenario,
    options: &RunOptions,
    outside: Box<dyn Outside>,
    watcher: Box<dyn Observer>,
) -> Result<RunReport, RunError> {
    run_with(scenario, options, false, Some((outside, Some(watcher))))
}

/// `run`, also noting the script line of every binding call and the events it recorded
/// (`RunReport::call_lines`), at the cost of a stack walk per call; the trace is the same.
/// A fleet runs as `run` runs it, without lines.
pub fn run_noting_lines(scenario: &Scenario, options: &RunOptions) -> Result<RunReport, RunError> {
    match &scenario.fleet {
        Some(fleet) => fleet::run(scenario, fleet, options),
        None => run_with(scenario, options, true, None),
    }
}

/// What plugs a run into the world outside it: the `Outside`, and for live mode the watcher
/// that sees every event as it happens.
type Outsider = (Box<dyn Outside>, Option<Box<dyn Observer>>);

fn run_with(
    scenario: &Scenario,
    options: &RunOptions,
    note_lines: bool,
    outside: Option<Outsider>,
) -> Result<RunReport, RunError> {
    let judge = Rc::new(RefCell::new(Judge::new(&scenario.expect)));
    let tail = Rc::new(RefCell::new(Tail::new(options.tail)));
    let mut observers: Vec<Box<dyn Observer>> = vec![Box::new(judge.clone()), Box::new(hostlimit::Heartbeat)];
    if options.tail > 0 {
        observers.push(Box::new(tail.clone()));
    }
    let outside = outside.map(|(outside, watcher)| {
        observers.extend(watcher);
        outside
    });
    let mut world = World::new(scenario.setup(), Recorder::new(options.keep_events, observers));
    world.note_call_lines(note_lines);
    if let Some(outside) = outside {
        world.set_outside(outside);
    }
    let device = Device::new(world);
    if options.coverage {
        device.start_coverage();
    }
    let _watch = hostlimit::watch(&scenario.origin);
    let boot_ms = scenario.profile.boot_ms;
    let (mut wake, mut detail) = (WakeCause::PowerOn, String::new());
    // With `naive_reload`, torn-down states are kept alive here until the next reboot.
    let mut stale_states: Vec<crate::memory::DeviceState> = Vec::new();
    let end_reason = 'boot: loop {
        tracing::debug!(scenario = %scenario.name, cause = wake.as_str(), "boot");
        device.with_world(|w| w.boot(wake, &detail));
        mocks::start(&device, scenario.seed);
        device.with_world(|w| w.pass_boot_time(boot_ms));
        stale_states.clear();
        loop {
            if device.with_world(|w| w.halt().is_none()) {
                if let Some(kept) = run_generation(&device, scenario.seed)? {
                    stale_states.push(kept);
                }
            }
            let halt = device.with_world(World::take_halt);
            (wake, detail) = match halt {
                Some(Halt::Reload { trigger }) => {
                    device.with_world(|w| w.reload(&trigger));
                    continue;
                }
                Some(Halt::Reboot { cause }) => (WakeCause::Reset, cause),
                Some(Halt::DeepSleep { ms }) => (device.with_world(|w| w.deep_sleep(ms)), String::new()),
                Some(Halt::PowerCut(cut)) => (device.with_world(|w| w.after_power_cut(cut)), String::new()),
                Some(Halt::VmLost(cause)) => (cause, String::new()),
                Some(Halt::Watchdog { location }) => {
                    device.with_world(|w| {
                        let p = &w.profile();
                        let message = format!(
                            "Lua ran for more than {} ms of CPU time (~{} instructions) without yielding, at {location}",
                            p.watchdog_ms,
                            p.watchdog_instructions()
                        );
                        w.record(EventKind::Error { what: "watchdog".into(), message });
                    });
                    break 'boot END_WATCHDOG;
                }
                Some(Halt::EndOfRun) | None => break 'boot END_DURATION,
            };
            if device.with_world(|w| w.halt() == Some(&Halt::EndOfRun)) {
                break 'boot END_DURATION;
            }
            continue 'boot;
        }
    };
    drop(stale_states);
    let end_reason = if device.with_world(|w| w.ended_outside()) { END_SESSION } else { end_reason };
    tracing::debug!(scenario = %scenario.name, end_reason, "run ended");
    let coverage = device.take_coverage();
    let mut world = device.into_world();
    if let Some((limit, at)) = world.out_of_events() {
        return Err(RunError::TooManyEvents { limit, at, duration: scenario.duration });
    }
    world.record(EventKind::End { reason: end_reason.to_string() });
    let report = report(scenario, world, &judge, end_reason);
    let tail = tail.borrow().lines();
    Ok(RunReport { coverage, tail, ..report })
}

/// Builds the Lua state `scenario`'s device boots into, as its `main.lua` finds it (nothing has
/// run yet), and hands it to `f`. For audits of the sandbox: `tests/tests/sandbox.rs` walks
/// everything a script can reach from it.
pub fn with_fresh_state<R>(scenario: &Scenario, f: impl FnOnce(&Lua) -> R) -> Result<R, RunError> {
    let device = Device::new(World::new(scenario.setup(), Recorder::new(false, Vec::new())));
    device.with_world(|w| w.boot(WakeCause::PowerOn, ""));
    mocks::start(&device, scenario.seed);
    let booted = state::new_state(device.clone(), scenario.seed)?;
    Ok(f(&booted.lua))
}

/// One generation: a fresh state runs the scripts (`run_scripts`, or LuatOS's boot on a `luatos`
/// build). Returns the state when a naive reload must keep it alive.
fn run_generation(device: &Rc<Device>, seed: u64) -> Result<Option<crate::memory::DeviceState>, RunError> {
    let generation = device.with_world(|w| w.generation());
    let booted = state::new_state(device.clone(), seed)?;
    let lua = &booted.lua;
    device.add_state(generation, lua);
    let heap_watch = device.watch_heap(lua);
    if luatos::is_luatos(lua) {
        luatos::run_generation(device, lua)?;
    } else {
        run_scripts(device, lua)?;
    }
    hostlimit::doing(|| "closing the Lua state (its __gc finalizers run)".into());
    let (host_used, (_, device_peak)) = (memory::host_heap(lua), memory::device_heap(lua));
    let keep = device.with_world(|w| {
        w.note_host_heap(host_used);
        w.note_heap(device_peak);
        w.profile().naive_reload && matches!(w.halt(), Some(Halt::Reload { .. }))
    });
    drop(heap_watch);
    let kept = keep.then_some(booted);
    device.prune_states();
    Ok(kept)
}

/// The LuaSys-style boot: `main.lua`, then `rules.lua`; if they return, the firmware's Lua task
/// keeps taking messages until the device halts.
fn run_scripts(device: &Rc<Device>, lua: &Lua) -> Result<(), RunError> {
    let run_script: Function = lua.named_registry_value(state::RUN_SCRIPT)?;
    let tasks_image = device.with_world(World::take_tasks_for_wake);
    #[cfg(feature = "lua54")]
    let woke = match tasks_image {
        Some(image) => sleepy::wake(lua, &image)?,
        None => false,
    };
    // Without Lua 5.4 a scenario cannot be sleepy (scenario/doc.rs), so there is no image.
    #[cfg(not(feature = "lua54"))]
    let woke = {
        drop(tasks_image);
        false
    };
    for path in [MAIN_SCRIPT, RULES_SCRIPT] {
        hostlimit::doing(|| format!("running {path}"));
        if woke || device.with_world(|w| w.halt().is_some() || !w.flash().contains(path)) {
            continue;
        }
        let failure = match run_script.call::<(bool, Value)>(path) {
            Ok((true, _)) => None,
            Ok((false, err)) => Some(describe_error(&err)),
            Err(err) => Some(err.to_string()),
        };
        if let Some(message) = failure {
            note_out_of_memory(lua, &format!("script {path}"), &message);
            device.with_world(|w| {
                if w.halt().is_none() {
                    w.record(EventKind::Error { what: format!("script {path}"), message });
                }
            });
        }
    }
    drain_until_halt(device, lua)?;
    Ok(())
}

/// The firmware's Lua task when no script loop runs: run firmware callbacks, discard the rest.
fn drain_until_halt(device: &Device, lua: &Lua) -> mlua::Result<()> {
    loop {
        #[cfg(feature = "lua54")]
        if let Err(crate::bindings::Fail::Lua(e)) = sleepy::sleep_if_asked(lua, device, false) {
            return Err(e);
        }
        match device.with_world(|w| w.wait_for_message(None)) {
            Wait::Halted => return Ok(()),
            Wait::Timeout => {}
            Wait::Message(message) => {
                take_message(lua, message)?;
            }
        }
    }
}

fn report(scenario: &Scenario, mut world: World, judge: &RefCell<Judge>, end_reason: &str) -> RunReport {
    let stats = world.stats(end_reason, scenario.battery_mah);
    let Leftovers { events, out_of_memory_at, call_lines } = world.finish();
    RunReport {
        scenario: scenario.name.clone(),
        outcomes: judge.borrow().outcomes(&stats),
        stats,
        events,
        out_of_memory_at,
        call_lines,
        coverage: None,
        tail: Vec::new(),
        devices: Vec::new(),
    }
}
