//! The `World`: the one owner of all mutable simulation state.
//!
//! Clock, rtos queue, timer pool, the firmware's registrations and configuration, scheduled
//! scenario steps and the trace recorder live here and nowhere else. The world does no I/O and
//! knows nothing about Lua: the runtime asks it to wait for a message (which jumps virtual time
//! straight to the next deadline) and tells it what Lua did. Everything it records is ordered
//! by virtual time and insertion, never by a hash.

mod calls;
mod clock;
mod energy;
mod figures;
mod gauges;
mod message;
mod outside;
mod power;
mod probes;
mod queue;
mod recorder;
mod registrations;
pub mod sleep_region;
mod sleepy;
mod steps;
mod timers;
mod views;
mod vm_exit;

pub use calls::Returns;
pub use clock::Clock;
pub use energy::{EnergyMeter, EnergyReport, PowerState};
pub use figures::Leftovers;
pub use message::{Arg, CallbackArgs, Message};
pub use outside::{Arrival, Outside};
pub use power::{PowerCut, WakeCause};
pub use queue::MessageQueue;
pub use recorder::Recorder;
pub use registrations::{mqtt_prefix, reload_topic, topic_matches, valid_filter, Listener, Registrations};
#[cfg(feature = "lua54")]
pub use sleepy::SleepyTimer;
pub use steps::{Action, Step};
pub use timers::{Expiry, TimerPool};

use crate::apidoc::UserModules;
use crate::contract::power::{Phase, Reaction};
use crate::profile::Profile;
use crate::time::Micros;
use crate::trace::{Event, EventKind};
use crate::vfs::Vfs;
use probes::Probes;
use std::fmt;
use std::sync::Arc;

/// Why Lua must stop running now. Once set, every rtos call and the instruction hook raise an
/// error until the Lua state has unwound, so no `pcall` can keep a halted script alive.
#[derive(Debug, Clone, PartialEq)]
pub enum Halt {
    /// The scenario's duration is over.
    EndOfRun,
    /// `rtos.reboot()` or `Node.restart()`: the device resets and boots again.
    Reboot { cause: String },
    /// Tear the Lua state down and run the scripts again in a fresh one.
    Reload { trigger: String },
    /// The task watchdog caught Lua running without yielding; `location` is `file:line`.
    Watchdog { location: String },
    /// `Node.deepSleep(ms)`: the device sleeps (forever, until a GPIO wake, when `None`).
    DeepSleep { ms: Option<u64> },
    /// A brownout or power loss from a scenario step.
    PowerCut(PowerCut),
    /// The whole-VM state was lost while asleep (the sleep region lost power): boot afresh.
    VmLost(WakeCause),
}

impl fmt::Display for Halt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Halt::EndOfRun => write!(f, "end of run"),
            Halt::Reboot { cause } => write!(f, "reboot ({cause})"),
            Halt::Reload { trigger } => write!(f, "reload ({trigger})"),
            Halt::Watchdog { location } => write!(f, "watchdog at {location}"),
            Halt::DeepSleep { .. } => write!(f, "deep sleep"),
            Halt::PowerCut(cut) => write!(f, "{cut}"),
            Halt::VmLost(cause) => write!(f, "Lua VM lost ({})", cause.as_str()),
        }
    }
}

/// What waiting on the rtos queue produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    Message(Message),
    Timeout,
    Halted,
}

/// What waiting on the rtos queue came to, the message left in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    Message,
    Timeout,
    Halted,
}

/// Everything about the device and its surroundings that a scenario sets up front, under the
/// scenario's names.
#[derive(Debug, Clone)]
pub struct Setup {
    pub profile: Profile,
    /// The device's flash at power-on.
    pub files: Vfs,
    /// `configINITIAL_TICK_COUNT` of every boot.
    pub start_tick: u32,
    pub duration: Micros,
    pub steps: Vec<Step>,
    pub config: serde_json::Value,
    /// The GNSS fix at power-on.
    pub gnss: Option<serde_json::Value>,
    pub ip: String,
    /// Whether Wi-Fi is on while awake (awake time is charged at the radio current).
    pub radio: bool,
    /// Most events the run may record before it is stopped as a runaway.
    pub max_events: u64,
    /// The project's own firmware modules.
    pub modules: Arc<UserModules>,
    /// What their functions return without a mock (the scenario's `returns:`).
    pub returns: Vec<(String, Vec<serde_json::Value>, bool)>,
    /// The moments the expectations sample the device at (`probes.rs`).
    pub probes: Vec<Micros>,
}

/// Most trace events a run records unless its scenario says otherwise (`max_events:`). A run
/// that goes past it is stopped as a runaway (a 1 ms timer over a thousand years would run for
/// months of host time): 50 times a year of minute wakes (1 M events), twice the hour of the
/// timer-storm benchmark (23 M); a debug build takes about 265 s of CPU time to get there.
pub const MAX_EVENTS: u64 = 50_000_000;

pub struct World {
    profile: Profile,
    clock: Clock,
    queue: MessageQueue,
    timers: TimerPool,
    recorder: Recorder,
    registrations: Registrations,
    /// The device's flash file system (LittleFS); survives reboots.
    flash: Vfs,
    /// Device configuration read by `Config.get`.
    config: serde_json::Value,
    gnss_fix: Option<serde_json::Value>,
    ip: String,
    /// Generation of the current Lua state: 1 at the first boot, +1 at every reload or boot.
    generation: u32,
    /// The sleep region (RTC memory), kept across deep sleep.
    sleep_region: sleep_region::SleepRegion,
    energy: EnergyMeter,
    radio: bool,
    probes: Probes,
    /// The project's own firmware modules, installed in every state after the built-in ones.
    modules: Arc<UserModules>,
    /// What their functions return when they have no mock.
    returns: Returns,
    /// Why the device is running now (`Node.wakeCause()`).
    wake_cause: WakeCause,
    /// A power loss armed to tear the next sleep-region write: the time the power stays off.
    tear_next_write: Option<Micros>,
    /// The last power loss tore a sleep-region write, so the region keeps its torn bytes.
    rtc_torn: bool,
    /// A task asked to sleep with every task kept (sleepy profiles): the sleep's length.
    sleepy_request: Option<Option<u64>>,
    /// The tasks' images kept and restored so far (the summary's `sleepy` line).
    sleepy_images: crate::figures::SleepyImages,
    /// MQTT is disconnected until this time (`mqtt_disconnect` steps).
    mqtt_down_until: Micros,
    /// What `clock_jump` steps added to the wall clock `os.time()` reads, in µs.
    wall_offset_us: i64,
    /// Live mode's broker and wall clock (`outside.rs`); `None` in every other mode.
    outside: Option<Box<dyn Outside>>,
    /// Live mode: the link to the real broker is down.
    link_down: bool,
    /// Live mode ended the session before the run's duration (Ctrl-C).
    ended_outside: bool,
    steps: Vec<Step>,
    next_step: usize,
    end_at: Micros,
    halt: Option<Halt>,
    max_events: u64,
    /// The run recorded `max_events` events and was stopped where it was.
    out_of_events: bool,
    /// Lua VM instructions run since Lua last blocked on the queue (watchdog).
    busy_instructions: u64,
    boots: u32,
    reloads: u32,
    heap_peak: usize,
    host_heap_peak: usize,
    /// Which device figures the next event carries (`gauges`).
    gauge: gauges::Gauge,
    /// Steps that posted callbacks so far, and the one being applied (`trace::Event::flow`).
    flows: u64,
    posting: Option<u64>,
    /// Firmware messages dropped because their data did not fit in the Lua heap.
    heap_drops: u64,
    /// Scenario steps that found the device asleep or off.
    steps_missed: u64,
    /// (virtual time, what failed, `/scripts/x.lua:N`) of each out-of-memory error whose line
    /// the allocator knew: not traced (the device prints no line), read by `luasim check`.
    out_of_memory_at: Vec<(Micros, String, String)>,
    /// Note the script line of each binding call (`runtime::run_noting_lines`).
    note_call_lines: bool,
    /// `/scripts/x.lua:N` of the binding call running now, when noting.
    call_line: Option<String>,
    /// (event number, script line) of each event recorded during a binding call, when noting:
    /// not traced (the device's trace has no lines), read by `luasim check`.
    call_lines: Vec<(u64, String)>,
}

impl World {
    /// A world for one run. `setup.steps` must be sorted by time (scenario loading does it).
    pub fn new(setup: Setup, recorder: Recorder) -> World {
        debug_assert!(setup.steps.windows(2).all(|w| w[0].at <= w[1].at));
        let region = sleep_region::SleepRegion::new(setup.profile.sleep_region_bytes);
        World {
            clock: Clock::new(setup.profile.tick_hz, setup.start_tick),
            queue: MessageQueue::new(setup.profile.queue_len),
            timers: TimerPool::new(setup.profile.timer_slots),
            profile: setup.profile,
            recorder,
            registrations: Registrations::default(),
            flash: setup.files,
            config: setup.config,
            gnss_fix: setup.gnss,
            ip: setup.ip,
            generation: 0,
            sleep_region: region,
            energy: EnergyMeter::new(),
            radio: setup.radio,
            probes: Probes::at(setup.probes),
            modules: setup.modules,
            returns: Returns::new(&setup.returns),
            wake_cause: WakeCause::PowerOn,
            tear_next_write: None,
            rtc_torn: false,
            sleepy_request: None,
            sleepy_images: crate::figures::SleepyImages::default(),
            mqtt_down_until: 0,
            wall_offset_us: 0,
            outside: None,
            link_down: false,
            ended_outside: false,
            out_of_memory_at: Vec::new(),
            note_call_lines: false,
            call_line: None,
            call_lines: Vec::new(),
            steps: setup.steps,
            next_step: 0,
            end_at: setup.duration,
            halt: None,
            max_events: setup.max_events,
            out_of_events: false,
            busy_instructions: 0,
            boots: 0,
            reloads: 0,
            heap_peak: 0,
            host_heap_peak: 0,
            gauge: gauges::Gauge::default(),
            flows: 0,
            posting: None,
            heap_drops: 0,
            steps_missed: 0,
        }
    }

    /// Appends an event at the current virtual time.
    pub fn record(&mut self, kind: EventKind) {
        self.record_flow(kind, None);
    }

    /// Appends an event that is part of the flow of step `flow` (`trace::Event::flow`).
    pub fn record_flow(&mut self, kind: EventKind, flow: Option<u64>) {
        let (at, tick) = (self.clock.now(), self.clock.tick32());
        if let Some(line) = &self.call_line {
            self.call_lines.push((self.recorder.event_count(), line.clone()));
        }
        let gauges = self.gauges(&kind);
        self.recorder.record(Event { device: None, at_us: at, tick, kind, gauges, flow });
        if self.recorder.event_count() >= self.max_events && !self.out_of_events {
            // The run ends here: every wait and sleep stops at `end_at`.
            self.out_of_events = true;
            self.end_at = at;
            self.request_halt(Halt::EndOfRun);
        }
    }

    /// The run was stopped after `max_events` events: (the limit, the virtual time), if so.
    pub fn out_of_events(&self) -> Option<(u64, Micros)> {
        self.out_of_events.then_some((self.max_events, self.end_at))
    }

    pub fn end_at(&self) -> Micros {
        self.end_at
    }

    pub fn halt(&self) -> Option<&Halt> {
        self.halt.as_ref()
    }

    pub fn take_halt(&mut self) -> Option<Halt> {
        self.halt.take()
    }

    /// Asks Lua to stop; the first reason wins.
    pub fn request_halt(&mut self, halt: Halt) {
        self.halt.get_or_insert(halt);
    }

    /// Whether the build has an optional module (`telegram`, `gnss`).
    pub fn has_module(&self, module: &str) -> bool {
        self.profile.has_module(module)
    }

    /// Resets the device: queue, timers and firmware registrations are lost (main RAM), the tick
    /// count restarts, time goes on, flash, configuration and the sleep region stay; the boot
    /// checks the sleep region.
    pub fn boot(&mut self, wake: WakeCause, detail: &str) {
        self.boots += 1;
        self.generation += 1;
        self.wake_cause = wake;
        self.queue.clear();
        self.timers.clear();
        self.registrations.clear();
        self.end_mqtt_session();
        self.clock.reboot();
        self.busy_instructions = 0;
        self.sleepy_request = None;
        self.energy.enter(PowerState::Boot, self.clock.now());
        let region = self.sleep_region.boot_check();
        self.rtc_torn = false;
        let cause = if detail.is_empty() { wake.as_str().to_string() } else { format!("{} ({detail})", wake.as_str()) };
        let kind = EventKind::Boot {
            profile: self.profile.name.clone(),
            tick_hz: self.profile.tick_hz,
            cause,
            generation: self.generation,
            region: format!("{} {} bytes", region.as_str(), self.sleep_region.used()),
        };
        self.record(kind);
    }

    /// Hot reload: a new generation of the Lua state. The rtos timers of the old state are
    /// stopped and their pending messages dropped (their ids mean nothing to the new state);
    /// firmware registrations stay, stamped with their old generation.
    pub fn reload(&mut self, trigger: &str) {
        self.reloads += 1;
        self.generation += 1;
        self.timers.clear();
        self.queue.retain(|m| !matches!(m, Message::Timer { .. }));
        self.busy_instructions = 0;
        // `Node.wakeCause()` tells the scripts they were reloaded, not booted.
        self.wake_cause = WakeCause::Reload;
        self.record(EventKind::Reload { generation: self.generation, trigger: trigger.to_string() });
    }

    /// The boot itself: `ms` of time at boot current without Lua running.
    pub fn pass_boot_time(&mut self, ms: u64) {
        let until = self.clock.now().saturating_add(ms.saturating_mul(1_000)).min(self.end_at);
        self.run_until(until);
        if until >= self.end_at {
            self.request_halt(Halt::EndOfRun);
        }
        self.energy.enter(PowerState::Active, self.clock.now());
    }

    /// `rtos.timer_start`: 1 on success, 0 when refused (all of it traced).
    pub fn timer_start(&mut self, id: i64, ms: i64, repeat: i64) -> bool {
        let now = self.clock.ticks_since_boot();
        match self.timers.start(id, ms, repeat, now, self.clock.tick_hz()) {
            Ok(ticks) => {
                let active = self.timers.active_count();
                self.record(EventKind::TimerStart { id, ms, ticks, repeat, active });
                true
            }
            Err(reason) => {
                self.record(EventKind::TimerReject { id, ms, reason });
                false
            }
        }
    }

    /// `rtos.timer_stop`: true if the timer was armed.
    pub fn timer_stop(&mut self, id: i64) -> bool {
        let was_armed = self.timers.stop(id);
        if was_armed {
            self.record(EventKind::TimerStop { id });
        }
        was_armed
    }

    /// Notes a device-heap peak (exact, from the state's allocator accounts).
    pub fn note_heap(&mut self, device_peak: usize) {
        self.heap_peak = self.heap_peak.max(device_peak);
    }

    /// Notes the host-heap use, sampled at rtos calls and watchdog ticks.
    pub fn note_host_heap(&mut self, used: usize) {
        self.host_heap_peak = self.host_heap_peak.max(used);
    }

    /// A firmware message whose data does not fit in the Lua heap is dropped, as the device's
    /// Lua task drops it: a `W/<tag> <text>` line, and counted; the task goes on.
    pub fn drop_too_big(&mut self, tag: &str, text: String) {
        self.heap_drops += 1;
        self.record(EventKind::Log { level: crate::trace::Level::Warn, tag: tag.into(), text, bare: false });
    }

    /// Counts Lua instructions; returns true once the watchdog budget is exhausted.
    pub fn charge_instructions(&mut self, count: u64) -> bool {
        self.busy_instructions += count;
        self.busy_instructions > self.profile.watchdog_instructions()
    }

    /// Takes the queue's first message when it is a timer's: (id, repeat).
    pub fn take_timer_message(&mut self) -> Option<(i64, i64)> {
        let Message::Timer { id, repeat } = *self.queue.front()? else { return None };
        self.queue.pop();
        Some((id, repeat))
    }

    /// Blocks the Lua task on the queue until a message arrives, `deadline` passes (then
    /// `Timeout`), or the run ends. Virtual time jumps from deadline to deadline.
    pub fn wait_for_message(&mut self, deadline: Option<Micros>) -> Wait {
        match self.wait_for_queue(deadline) {
            Ready::Message => Wait::Message(self.queue.pop().expect("the queue has a message")),
            Ready::Timeout => Wait::Timeout,
            Ready::Halted => Wait::Halted,
        }
    }

    /// `wait_for_message`, leaving the message at the front of the queue: waiting again at
    /// once finds it there, with nothing else changed.
    pub fn wait_for_queue(&mut self, deadline: Option<Micros>) -> Ready {
        self.busy_instructions = 0;
        loop {
            if self.halt.is_some() {
                return Ready::Halted;
            }
            if !self.queue.is_empty() {
                return Ready::Message;
            }
            let limit = deadline.map_or(self.end_at, |d| d.min(self.end_at));
            match self.next_due(limit) {
                Some(next) => self.run_until(next),
                None => {
                    let limit = limit.min(self.end_at);
                    self.advance_clock(limit.max(self.clock.now()));
                    if limit >= self.end_at {
                        self.request_halt(Halt::EndOfRun);
                        return Ready::Halted;
                    }
                    return Ready::Timeout;
                }
            }
        }
    }

    /// The earliest moment something is due: a timer expiry, a firmware timeout or a step.
    fn next_deadline(&self) -> Option<Micros> {
        let timer = self.timers.next_due().map(|t| self.clock.tick_time(t));
        let timeout = self.registrations.next_timeout();
        let step = self.steps.get(self.next_step).map(|s| s.at);
        [timer, timeout, step].into_iter().flatten().min()
    }

    /// Advances to `until`, processing everything due on the way, unless the power goes or the
    /// chip resets on the way: then time stops at that instant (the boot or sleep it was in is
    /// over).
    fn run_until(&mut self, until: Micros) {
        while let Some(next) = self.next_due(until) {
            self.advance_clock(next);
            self.process_due();
            if self.power_interrupted() || self.out_of_events {
                return;
            }
        }
        self.advance_clock(until.min(self.end_at));
    }

    /// Whether a power cut or a reset is pending: the current power state ends now.
    fn power_interrupted(&self) -> bool {
        matches!(self.halt, Some(Halt::PowerCut(_) | Halt::Reboot { .. }))
    }

    /// Everything due now. At one instant the timer service task (higher priority) runs before
    /// the firmware's timeouts and scenario steps.
    fn process_due(&mut self) {
        self.fire_due_timers();
        self.fire_due_timeouts();
        self.apply_due_steps();
    }

    /// The next step due at or before `until`, taken off the schedule.
    fn take_step_until(&mut self, until: Micros) -> Option<Step> {
        let step = self.steps.get(self.next_step).filter(|s| s.at <= until)?.clone();
        self.next_step += 1;
        Some(step)
    }

    /// Takes a step due now that wakes the device from light sleep (a GPIO edge,
    /// `contract::power`), if the next step is one.
    fn take_due_wake(&mut self) -> bool {
        let now = self.clock.now();
        let due = self
            .steps
            .get(self.next_step)
            .is_some_and(|s| s.at <= now && s.action.reaction(Phase::LightSleep) == Reaction::Wakes);
        if let Some(step) = due.then(|| self.take_step_until(now)).flatten() {
            self.record_wake(&step.action);
        }
        due
    }

    fn fire_due_timers(&mut self) {
        let now = self.clock.ticks_since_boot();
        while let Some(Expiry { id, repeat }) = self.timers.pop_due(now) {
            self.post(Message::Timer { id, repeat }, |depth| Some(EventKind::TimerFire { id, repeat, depth }));
        }
    }

    fn apply_due_steps(&mut self) {
        while let Some(step) = self.take_step_until(self.clock.now()) {
            self.apply(step.action);
            if self.power_interrupted() {
                break;
            }
        }
    }

    /// Posts without blocking; traces `on_posted(depth)` or the drop.
    fn post(&mut self, message: Message, on_posted: impl FnOnce(usize) -> Option<EventKind>) {
        match self.queue.post(message) {
            Ok(depth) => {
                if let Some(kind) = on_posted(depth) {
                    self.record(kind);
                }
            }
            Err(message) => {
                let depth = self.queue.len();
                self.record(EventKind::QueueDrop { message: message.to_string(), depth });
            }
        }
    }
}
