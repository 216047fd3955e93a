//! The `World`: the one owner of all mutable simulation state.
//!
//! Clock, rtos queue, timer pool, scheduled scenario steps and the trace recorder live here and
//! nowhere else. The world does no I/O and knows nothing about Lua: the runtime asks it to wait
//! for a message (which jumps virtual time straight to the next deadline) and tells it what Lua
//! did. Everything it records is ordered by virtual time and insertion, never by a hash.

mod clock;
mod message;
mod queue;
mod recorder;
mod timers;

pub use clock::Clock;
pub use message::{Arg, Message};
pub use queue::MessageQueue;
pub use recorder::Recorder;
pub use timers::{Expiry, TimerPool};

use crate::profile::Profile;
use crate::time::Micros;
use crate::trace::EventKind;
use crate::vfs::Vfs;
use std::fmt;

/// Something a scenario does to the device at a virtual time.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at: Micros,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The firmware posts a message that `sys.run` publishes to subscribers.
    Publish { topic: String, args: Vec<Arg> },
}

/// Why Lua must stop running now. Once set, every rtos call and the instruction hook raise an
/// error until the Lua state has unwound, so no `pcall` can keep a halted script alive.
#[derive(Debug, Clone, PartialEq)]
pub enum Halt {
    /// The scenario's duration is over.
    EndOfRun,
    /// `rtos.reboot()`: the device resets and boots again.
    Reboot,
    /// The task watchdog caught Lua running without yielding; `location` is `file:line`.
    Watchdog { location: String },
}

impl fmt::Display for Halt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Halt::EndOfRun => write!(f, "end of run"),
            Halt::Reboot => write!(f, "reboot"),
            Halt::Watchdog { location } => write!(f, "watchdog at {location}"),
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

pub struct World {
    pub profile: Profile,
    pub clock: Clock,
    pub queue: MessageQueue,
    pub timers: TimerPool,
    pub recorder: Recorder,
    steps: Vec<Step>,
    next_step: usize,
    end_at: Micros,
    halt: Option<Halt>,
    /// Lua VM instructions run since Lua last blocked on the queue (watchdog).
    busy_instructions: u64,
    boots: u32,
    heap_peak: usize,
    /// The device's flash file system (LittleFS); survives reboots.
    pub flash: Vfs,
}

impl World {
    /// A world for one run. `steps` must be sorted by time (scenario loading does it).
    pub fn new(
        profile: Profile,
        flash: Vfs,
        initial_tick: u32,
        duration: Micros,
        steps: Vec<Step>,
        recorder: Recorder,
    ) -> World {
        debug_assert!(steps.windows(2).all(|w| w[0].at <= w[1].at));
        World {
            clock: Clock::new(profile.tick_hz, initial_tick),
            queue: MessageQueue::new(profile.queue_len),
            timers: TimerPool::new(profile.timer_slots),
            profile,
            recorder,
            steps,
            next_step: 0,
            end_at: duration,
            halt: None,
            busy_instructions: 0,
            boots: 0,
            heap_peak: 0,
            flash,
        }
    }

    /// Appends an event at the current virtual time.
    pub fn record(&mut self, kind: EventKind) {
        let (at, tick) = (self.clock.now(), self.clock.tick32());
        self.recorder.record(at, tick, kind);
    }

    pub fn end_at(&self) -> Micros {
        self.end_at
    }

    pub fn boots(&self) -> u32 {
        self.boots
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

    /// Resets the device: queue and timers are lost, the tick count restarts, time goes on.
    pub fn boot(&mut self, cause: &str) {
        self.boots += 1;
        self.queue.clear();
        self.timers.clear();
        self.clock.reboot();
        self.busy_instructions = 0;
        let kind = EventKind::Boot {
            profile: self.profile.name.clone(),
            tick_hz: self.profile.tick_hz,
            cause: cause.to_string(),
        };
        self.record(kind);
    }

    /// Passes `ms` of time without Lua running (boot time). Timers cannot be armed yet.
    pub fn pass_time(&mut self, ms: u64) {
        let until = self
            .clock
            .now()
            .saturating_add(ms.saturating_mul(1_000))
            .min(self.end_at);
        self.run_until(until);
        if until >= self.end_at {
            self.request_halt(Halt::EndOfRun);
        }
    }

    /// `rtos.timer_start`: 1 on success, 0 when refused (all of it traced).
    pub fn timer_start(&mut self, id: i64, ms: i64, repeat: i64) -> bool {
        let now = self.clock.ticks_since_boot();
        match self.timers.start(id, ms, repeat, now, self.clock.tick_hz()) {
            Ok(ticks) => {
                let active = self.timers.active_count();
                self.record(EventKind::TimerStart {
                    id,
                    ms,
                    ticks,
                    repeat,
                    active,
                });
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

    /// Notes the Lua heap in use; the peak is sampled at rtos calls and watchdog ticks.
    pub fn note_heap(&mut self, used: usize) {
        self.heap_peak = self.heap_peak.max(used);
    }

    pub fn heap_peak(&self) -> usize {
        self.heap_peak
    }

    /// Counts Lua instructions; returns true once the watchdog budget is exhausted.
    pub fn charge_instructions(&mut self, count: u64) -> bool {
        self.busy_instructions += count;
        self.busy_instructions > self.profile.watchdog_instructions()
    }

    /// Blocks the Lua task on the queue until a message arrives, `deadline` passes (then
    /// `Timeout`), or the run ends. Virtual time jumps from deadline to deadline.
    pub fn wait_for_message(&mut self, deadline: Option<Micros>) -> Wait {
        self.busy_instructions = 0;
        loop {
            if self.halt.is_some() {
                return Wait::Halted;
            }
            if let Some(message) = self.queue.pop() {
                return Wait::Message(message);
            }
            let limit = deadline.map_or(self.end_at, |d| d.min(self.end_at));
            match self.next_deadline() {
                Some(next) if next <= limit => self.run_until(next),
                _ => {
                    self.clock.advance_to(limit.max(self.clock.now()));
                    if limit >= self.end_at {
                        self.request_halt(Halt::EndOfRun);
                        return Wait::Halted;
                    }
                    return Wait::Timeout;
                }
            }
        }
    }

    /// The earliest moment something is due: a timer expiry or a scenario step.
    fn next_deadline(&self) -> Option<Micros> {
        let timer = self.timers.next_due().map(|t| self.clock.tick_time(t));
        let step = self.steps.get(self.next_step).map(|s| s.at);
        timer.into_iter().chain(step).min()
    }

    /// Advances to `until`, processing everything due on the way. At one instant the timer
    /// service task (higher priority) runs before the firmware posts scenario steps.
    fn run_until(&mut self, until: Micros) {
        while let Some(next) = self.next_deadline().filter(|&n| n <= until) {
            self.clock.advance_to(next);
            self.fire_due_timers();
            self.apply_due_steps();
        }
        self.clock.advance_to(until);
    }

    fn fire_due_timers(&mut self) {
        let now = self.clock.ticks_since_boot();
        while let Some(Expiry { id, repeat }) = self.timers.pop_due(now) {
            self.post(Message::Timer { id, repeat }, |depth| {
                EventKind::TimerFire { id, repeat, depth }
            });
        }
    }

    fn apply_due_steps(&mut self) {
        while let Some(step) = self
            .steps
            .get(self.next_step)
            .filter(|s| s.at <= self.clock.now())
        {
            let step = step.clone();
            self.next_step += 1;
            match step.action {
                Action::Publish { topic, args } => {
                    let message = Message::Publish { topic, args };
                    let described = message.to_string();
                    self.post(message, |_| EventKind::Inject { step: described });
                }
            }
        }
    }

    fn post(&mut self, message: Message, on_posted: impl FnOnce(usize) -> EventKind) {
        match self.queue.post(message) {
            Ok(depth) => self.record(on_posted(depth)),
            Err(message) => {
                let depth = self.queue.len();
                self.record(EventKind::QueueDrop {
                    message: message.to_string(),
                    depth,
                });
            }
        }
    }
}
