//! Messages that travel through the emulated rtos queue, and the values they carry.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A scalar argument of an injected `sys` message (what a scenario step can carry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Bool(b) => write!(f, "{b}"),
            Arg::Int(i) => write!(f, "{i}"),
            Arg::Float(x) => write!(f, "{x:?}"),
            Arg::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// What a firmware callback is called with.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackArgs {
    /// `Node.setTimeout`: no arguments.
    None,
    /// `EventBus.subscribe`: the event's data table.
    Event(serde_json::Value),
    /// `MQTT.subscribe`: topic and payload.
    Mqtt { topic: String, payload: String },
}

/// One entry of the rtos queue.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Posted by a timer expiry: `rtos.receive` returns `MSG_TIMER, id, repeat`.
    Timer { id: i64, repeat: i64 },
    /// Posted by the firmware on the scenario's behalf: `sys.run` publishes it.
    Publish { topic: String, args: Vec<Arg> },
    /// The firmware asks the Lua task to run a registered callback.
    /// `flow`: the step that posted it, if one did (`trace::Event::flow`).
    Callback { registration: u64, args: CallbackArgs, flow: Option<u64> },
    /// The firmware asks the Lua task to tear its state down and reload the scripts.
    Reload { trigger: String },
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Timer { id, repeat } => write!(f, "timer id={id} repeat={repeat}"),
            Message::Publish { topic, args } => {
                write!(f, "publish {topic:?}")?;
                for a in args {
                    write!(f, " {a}")?;
                }
                Ok(())
            }
            Message::Callback { registration, .. } => write!(f, "callback #{registration}"),
            Message::Reload { trigger } => write!(f, "reload ({trigger})"),
        }
    }
}
