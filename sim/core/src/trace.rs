//! The trace: everything observable that happened in a run, as plain data.
//!
//! Each event carries its virtual time in microseconds, the wrapped 32-bit FreeRTOS tick count at
//! that moment, and a kind with its details. `Display` gives the stable one-line text form that
//! snapshots store; serde gives the JSON form. Nothing here may depend on the wall clock or on
//! hash-map order: the same scenario and seed must give byte-identical text.

use crate::time::{Micros, Secs};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Width of the device column that starts each line of a fleet's trace: the longest device
/// name a fleet allows.
pub const DEVICE_COLUMN: usize = 12;

/// One thing that happened at one virtual instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The device it happened on, in a fleet (`fleet/`); `None` for a single device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    pub at_us: Micros,
    pub tick: u32,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The device's figures at this event, those that changed since an earlier event carried
    /// them. Not part of the text form, which snapshots and the cross-check compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gauges: Option<Box<Gauges>>,
    /// The number of a scenario step that posted callbacks, on the step's event and on each
    /// callback it led to: Perfetto draws an arrow from one to the other. Not in the text form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<u64>,
}

/// Figures of the device at an event (`world::gauges` says when an event carries which): they
/// go into the JSON trace, the TUI's graphs and Perfetto's counters, never into the text
/// trace, whose lines the firmware prints alike.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Gauges {
    /// Device bytes of the Lua heap in use (0: no Lua state, as in deep sleep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap: Option<u64>,
    /// The most device bytes in use since the last event that carried the heap, when it was
    /// above both that figure and `heap`: a peak between two events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap_peak: Option<u64>,
    /// Bytes of the sleep region in use (its container, entries and tasks' image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<u64>,
    /// Charge drawn since power-on, in nanoampere-hours (µAh would round a minute of deep
    /// sleep to nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_nah: Option<u64>,
}

/// Log levels, LuatOS style. `Print` is Lua's `print`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
    Print,
}

impl Level {
    pub fn letter(self) -> &'static str {
        match self {
            Level::Debug => "D",
            Level::Info => "I",
            Level::Warn => "W",
            Level::Error => "E",
            Level::Print => "P",
        }
    }
}

/// Why a timer start was refused (`rtos.timer_start` returned 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// All timer slots of the profile are in use.
    NoFreeSlot,
    /// The delay is below 1 ms or does not fit a 32-bit tick count.
    BadDelay,
}

/// What kind of thing happened, with its details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The device (re)started and a fresh Lua state was built.
    Boot {
        profile: String,
        tick_hz: u32,
        cause: String,
        generation: u32,
        /// What the boot found in the sleep region: `ok|empty|corrupt N bytes`.
        region: String,
    },
    /// The device goes to sleep (`deep` or `light`), for `ms` or until woken.
    Sleep { mode: String, ms: Option<u64> },
    /// Hot reload: a fresh Lua state of a new generation runs the scripts again.
    Reload { generation: u32, trigger: String },
    /// A script subscribed through a firmware binding (EventBus, MQTT, Node.setTimeout).
    Subscribe { id: u64, generation: u32, what: String },
    /// A firmware callback ran in the Lua state of `generation`.
    Callback { id: u64, generation: u32, what: String },
    /// A firmware callback from an older generation was not run.
    Skip { id: u64, what: String, made_in: u32, current: u32 },
    /// `MQTT.publish` from a script.
    MqttOut { topic: String, payload: String },
    /// `Telegram.send` (to a chat) or `Telegram.broadcast` (`to` is `broadcast`).
    Telegram { to: String, text: String },
    /// A script was compiled and is about to run.
    Script { path: String, bytes: usize },
    /// A line from `log.*`, `print`, or the runtime on the script's behalf. `bare`: the line is
    /// the tag alone, without the space before the (empty) text, as LuatOS prints a tag-only
    /// `log.info("tag")` (the LuaSys-style `log` keeps the space).
    Log {
        level: Level,
        tag: String,
        text: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        bare: bool,
    },
    /// `rtos.timer_start` armed a timer.
    TimerStart { id: i64, ms: i64, ticks: u32, repeat: i64, active: usize },
    /// `rtos.timer_start` returned 0.
    TimerReject { id: i64, ms: i64, reason: RejectReason },
    /// `rtos.timer_stop` on an armed timer.
    TimerStop { id: i64 },
    /// A timer expired and posted its message (`depth` = queue length after posting).
    TimerFire { id: i64, repeat: i64, depth: usize },
    /// A message could not be posted because the queue was full.
    QueueDrop { message: String, depth: usize },
    /// A function of one of the project's own firmware modules was called (`Display.draw`),
    /// with its arguments and what it returned, each as a Lua literal (`bindings::render`).
    ModuleCall { function: String, args: Vec<String>, returned: Vec<String> },
    /// A scenario step injected something into the device.
    Inject { step: String },
    /// An error that stopped a script, a task or the device.
    Error { what: String, message: String },
    /// The run ended.
    End { reason: String },
}

/// What a run's trace goes out through while it is recorded, one event at a time and in
/// order: the expectation checks (`expect::Judge`) and the host-time monitor
/// (`hostlimit::Heartbeat`) watch a run from outside the world this way.
pub trait Observer {
    fn observe(&mut self, event: &Event);
}

/// The last `keep` events of a run, for reports that show how it ended without the whole
/// trace (JUnit's `<system-out>`). Memory stays at `keep` events however long the run.
#[derive(Debug)]
pub struct Tail {
    keep: usize,
    events: std::collections::VecDeque<Event>,
}

impl Tail {
    pub fn new(keep: usize) -> Tail {
        Tail { keep, events: std::collections::VecDeque::with_capacity(keep) }
    }

    /// The events kept, as trace lines.
    pub fn lines(&self) -> Vec<String> {
        self.events.iter().map(ToString::to_string).collect()
    }
}

impl Observer for Tail {
    fn observe(&mut self, event: &Event) {
        if self.events.len() == self.keep {
            self.events.pop_front();
        }
        if self.keep > 0 {
            self.events.push_back(event.clone());
        }
    }
}

/// An observer the caller keeps a handle to, so it can read what it saw after the run.
impl<T: Observer> Observer for std::rc::Rc<std::cell::RefCell<T>> {
    fn observe(&mut self, event: &Event) {
        self.borrow_mut().observe(event);
    }
}

/// The devices of a fleet's trace in the order they first appear (empty for one device's).
pub fn devices(events: &[Event]) -> Vec<&str> {
    let mut devices: Vec<&str> = Vec::new();
    for name in events.iter().filter_map(|e| e.device.as_deref()) {
        if !devices.contains(&name) {
            devices.push(name);
        }
    }
    devices
}

impl Event {
    /// Whether this event counts as an error for `no_errors` expectations.
    pub fn is_error(&self) -> bool {
        matches!(self.kind, EventKind::Error { .. } | EventKind::Log { level: Level::Error, .. })
    }

    /// The text an `error:` expectation matches: `what: message` of an error event, or the
    /// line of an error-level log.
    pub fn error_line(&self) -> Option<String> {
        match &self.kind {
            EventKind::Error { what, message } => Some(format!("{what}: {message}")),
            EventKind::Log { level: Level::Error, .. } => self.log_line(),
            _ => None,
        }
    }

    /// The text an `mqtt:` expectation matches: `topic payload` of an outgoing publish.
    pub fn mqtt_line(&self) -> Option<String> {
        match &self.kind {
            EventKind::MqttOut { topic, payload } => Some(format!("{topic} {payload}")),
            _ => None,
        }
    }

    /// The text a `telegram:` expectation matches: `to: text`.
    pub fn telegram_line(&self) -> Option<String> {
        match &self.kind {
            EventKind::Telegram { to, text } => Some(format!("{to}: {text}")),
            _ => None,
        }
    }

    /// `Display.draw("21.5 C")`: a user-module call as a `call` expectation reports it.
    pub fn call_line(&self) -> Option<String> {
        match &self.kind {
            EventKind::ModuleCall { function, args, .. } => Some(format!("{function}({})", args.join(", "))),
            _ => None,
        }
    }

    /// The text an expectation matches for log lines (`I/user.tag text`), if this is one.
    pub fn log_line(&self) -> Option<String> {
        match &self.kind {
            EventKind::Log { level, tag, text, bare } => Some(format_log_line(*level, tag, text, *bare)),
            _ => None,
        }
    }
}

/// `I/user.tag text` for LuatOS's `log`, `I/lua text` for the firmware's `Log`, the bare text
/// for `print`.
fn format_log_line(level: Level, tag: &str, text: &str, bare: bool) -> String {
    match level {
        Level::Print => text.to_string(),
        _ if bare => format!("{}/{}", level.letter(), tag),
        _ => format!("{}/{} {}", level.letter(), tag, text),
    }
}

/// Control characters (newlines, tabs) are escaped so that one event is always one line;
/// everything else, quotes included, stays as written.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(device) = &self.device {
            write!(f, "{device:<DEVICE_COLUMN$} ")?;
        }
        write!(f, "{:>14} {:>10} {}", Secs(self.at_us), self.tick, Body(&self.kind))
    }
}

/// The part of an event's line after its time and tick: kind and details.
pub struct Body<'a>(pub &'a EventKind);

impl fmt::Display for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            EventKind::Boot { profile, tick_hz, cause, generation, region } => write!(
                f,
                "boot     profile={} tick_hz={tick_hz} cause={} generation={generation} region={}",
                one_line(profile),
                one_line(cause),
                one_line(region)
            ),
            EventKind::Sleep { mode, ms: Some(ms) } => write!(f, "sleep    {} {ms} ms", one_line(mode)),
            EventKind::Sleep { mode, ms: None } => write!(f, "sleep    {} until woken", one_line(mode)),
            EventKind::Reload { generation, trigger } => {
                write!(f, "reload   generation={generation} ({})", one_line(trigger))
            }
            EventKind::Subscribe { id, generation, what } => {
                write!(f, "sub      #{id} gen={generation} {}", one_line(what))
            }
            EventKind::Callback { id, generation, what } => {
                write!(f, "call     #{id} gen={generation} {}", one_line(what))
            }
            EventKind::Skip { id, what, made_in, current } => {
                write!(f, "skip     #{id} {} (made in generation {made_in}, current {current})", one_line(what))
            }
            EventKind::MqttOut { topic, payload } => {
                write!(f, "mqtt>    {} {}", one_line(topic), one_line(payload))
            }
            EventKind::Telegram { to, text } => {
                write!(f, "telegram {}: {}", one_line(to), one_line(text))
            }
            EventKind::Script { path, bytes } => write!(f, "script   {} ({bytes} bytes)", one_line(path)),
            EventKind::Log { level, tag, text, bare } => {
                write!(f, "log      {}", one_line(&format_log_line(*level, tag, text, *bare)))
            }
            EventKind::TimerStart { id, ms, ticks, repeat, active } => {
                write!(f, "timer+   id={id} ms={ms} ticks={ticks} repeat={repeat} active={active}")
            }
            EventKind::TimerReject { id, ms, reason } => {
                let reason = match reason {
                    RejectReason::NoFreeSlot => "no free timer slot",
                    RejectReason::BadDelay => "bad delay",
                };
                write!(f, "timer!   id={id} ms={ms} refused: {reason}")
            }
            EventKind::TimerStop { id } => write!(f, "timer-   id={id}"),
            EventKind::TimerFire { id, repeat, depth } => {
                write!(f, "fire     id={id} repeat={repeat} depth={depth}")
            }
            EventKind::QueueDrop { message, depth } => {
                write!(f, "drop     {} (queue full, depth={depth})", one_line(message))
            }
            EventKind::ModuleCall { function, args, returned } => {
                write!(f, "module   {}({})", one_line(function), one_line(&args.join(", ")))?;
                if returned.is_empty() {
                    Ok(())
                } else {
                    write!(f, " -> {}", one_line(&returned.join(", ")))
                }
            }
            EventKind::Inject { step } => write!(f, "inject   {}", one_line(step)),
            EventKind::Error { what, message } => {
                write!(f, "ERROR    {}: {}", one_line(what), one_line(message))
            }
            EventKind::End { reason } => write!(f, "end      {}", one_line(reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_is_one_line_and_stable() {
        let e = Event {
            device: None,
            at_us: 1_500_000,
            tick: 1500,
            kind: EventKind::Log { level: Level::Info, tag: "user.blink".into(), text: "a\nb".into(), bare: false },
            gauges: None,
            flow: None,
        };
        assert_eq!(e.to_string(), "      1.500000       1500 log      I/user.blink a\\nb");
        let script = Event {
            device: None,
            at_us: 0,
            tick: 0,
            kind: EventKind::Script { path: "/scripts/a\nb.lua".into(), bytes: 1 },
            gauges: None,
            flow: None,
        };
        assert_eq!(script.to_string(), "      0.000000          0 script   /scripts/a\\nb.lua (1 bytes)");
        let error = EventKind::Error { what: "callback EventBus a\nb".into(), message: "x".into() };
        assert_eq!(Body(&error).to_string(), "ERROR    callback EventBus a\\nb: x");
    }

    #[test]
    fn json_round_trips() {
        let e =
            Event { device: None, at_us: 7, tick: 0, kind: EventKind::TimerStop { id: 3 }, gauges: None, flow: None };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"at_us":7,"tick":0,"kind":"timer_stop","id":3}"#);
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
    }

    #[test]
    fn the_tail_keeps_the_last_events_only() {
        let mut tail = Tail::new(2);
        for id in 1..=5 {
            tail.observe(&Event {
                device: None,
                at_us: id as u64,
                tick: 0,
                kind: EventKind::TimerStop { id },
                gauges: None,
                flow: None,
            });
        }
        let lines = tail.lines();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with("id=4") && lines[1].ends_with("id=5"), "{lines:?}");
        let mut none = Tail::new(0);
        none.observe(&Event {
            device: None,
            at_us: 0,
            tick: 0,
            kind: EventKind::TimerStop { id: 1 },
            gauges: None,
            flow: None,
        });
        assert!(none.lines().is_empty());
    }
}
