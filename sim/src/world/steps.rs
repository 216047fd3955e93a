//! Scenario steps: what the outside world does to the device at given virtual times, and how
//! each one enters the firmware.

use super::message::{Arg, Message};
use super::World;
use crate::time::Micros;
use crate::trace::EventKind;

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
    /// An MQTT message arrives from the broker.
    Mqtt { topic: String, payload: String },
    /// A firmware event (e.g. `sensor.temperature`) with its data table.
    Event { name: String, data: serde_json::Value },
    /// Reload the scripts (as if the reload topic had been received).
    Reload,
    /// Replace (or create) a file on the device's flash.
    Write { path: String, bytes: Vec<u8> },
    /// Change a configuration value at a dotted path.
    Config { path: String, value: serde_json::Value },
    /// A new GNSS fix (`null`: the fix is lost).
    Gnss { fix: Option<serde_json::Value> },
}

impl World {
    pub(super) fn apply(&mut self, action: Action) {
        match action {
            Action::Publish { topic, args } => {
                let message = Message::Publish { topic, args };
                let step = message.to_string();
                self.post(message, |_| Some(EventKind::Inject { step }));
            }
            Action::Mqtt { topic, payload } => {
                self.record(EventKind::Inject { step: format!("mqtt {topic} {payload}") });
                self.mqtt_incoming(&topic, &payload);
            }
            Action::Event { name, data } => {
                self.record(EventKind::Inject { step: format!("event {name} {data}") });
                self.firmware_event(&name, &data);
            }
            Action::Reload => {
                self.record(EventKind::Inject { step: "reload".into() });
                self.post(Message::Reload { trigger: "step".into() }, |_| None);
            }
            Action::Write { path, bytes } => {
                self.record(EventKind::Inject { step: format!("write {path} ({} bytes)", bytes.len()) });
                self.flash.write(&path, bytes);
            }
            Action::Config { path, value } => {
                self.record(EventKind::Inject { step: format!("config {path} = {value}") });
                self.config_set(&path, value);
            }
            Action::Gnss { fix } => {
                let text = fix.as_ref().map_or_else(|| "lost".to_string(), |f| f.to_string());
                self.record(EventKind::Inject { step: format!("gnss {text}") });
                self.gnss_fix = fix;
            }
        }
    }
}
