//! Scenario steps: what the outside world does to the device at given virtual times, and how
//! each one enters the firmware.

use super::message::{Arg, Message};
use super::{Halt, PowerCut, World};
use crate::contract::pack::step_kind;
use crate::contract::power::{self, Phase, Reaction};
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
    /// A GPIO edge: wakes the device from sleep; while awake it is the firmware event `gpio`.
    Gpio { pin: u32 },
    /// The supply sags: the chip resets and the sleep region is lost.
    Brownout,
    /// The supply is gone for `off_us`. With `during_write`, the power goes in the middle of
    /// the next sleep-region write instead, leaving a torn region behind.
    PowerLoss { off_us: Micros, during_write: bool },
    /// The broker connection drops for `down_us`: publishes fail, incoming messages are lost.
    MqttDisconnect { down_us: Micros },
    /// The task watchdog resets the chip (wake cause `reset`).
    WatchdogReset,
    /// The wall clock (`os.time()`) jumps by `by_us`, which may be negative; ticks do not move.
    ClockJump { by_us: i64 },
    /// A function of the project's own modules (`BME280.read`) returns `value` from now on
    /// (simulator only: the firmware has no such module to play it).
    Set { call: String, value: serde_json::Value },
}

impl Action {
    /// The step kind the firmware plays it as (`contract::pack::step_kind`); `None` for a
    /// `set` step, which only the simulator has.
    pub fn kind(&self) -> Option<u32> {
        Some(match self {
            Action::Publish { .. } => step_kind::PUBLISH,
            Action::Mqtt { .. } => step_kind::MQTT,
            Action::Event { .. } => step_kind::EVENT,
            Action::Reload => step_kind::RELOAD,
            Action::Write { .. } => step_kind::WRITE,
            Action::Config { .. } => step_kind::CONFIG,
            Action::Gnss { .. } => step_kind::GNSS,
            Action::Gpio { .. } => step_kind::GPIO,
            Action::Brownout => step_kind::BROWNOUT,
            Action::PowerLoss { .. } => step_kind::POWER_LOSS,
            Action::MqttDisconnect { .. } => step_kind::MQTT_DISCONNECT,
            Action::WatchdogReset => step_kind::WATCHDOG_RESET,
            Action::ClockJump { .. } => step_kind::CLOCK_JUMP,
            Action::Set { .. } => return None,
        })
    }

    /// What the step does when it finds the device in `phase` (`contract::power`). A `set`
    /// step plays as a `config` step does: a value the firmware reads from then on.
    pub fn reaction(&self, phase: Phase) -> Reaction {
        power::reaction(self.kind().unwrap_or(step_kind::CONFIG), phase)
    }

    /// The power cut the step makes, if it makes one now (a power loss armed for the next
    /// sleep-region write does not).
    pub fn power_cut(&self) -> Option<PowerCut> {
        match self {
            Action::Brownout => Some(PowerCut::Brownout),
            Action::PowerLoss { off_us, during_write: false } => Some(PowerCut::Loss { off_us: *off_us }),
            _ => None,
        }
    }

    /// A short description for the trace.
    pub fn describe(&self) -> String {
        match self {
            Action::Publish { topic, args } => {
                Message::Publish { topic: topic.clone(), args: args.clone() }.to_string()
            }
            Action::Mqtt { topic, payload } => format!("mqtt {topic} {payload}"),
            Action::Event { name, data } => format!("event {name} {data}"),
            Action::Reload => "reload".into(),
            Action::Write { path, bytes } => format!("write {path} ({} bytes)", bytes.len()),
            Action::Config { path, value } => format!("config {path} = {value}"),
            Action::Gnss { fix } => {
                format!("gnss {}", fix.as_ref().map_or_else(|| "lost".to_string(), |f| f.to_string()))
            }
            Action::Gpio { pin } => format!("gpio {pin}"),
            Action::Brownout => "brownout".into(),
            Action::PowerLoss { off_us, during_write: false } => {
                format!("power loss for {}", crate::time::Secs(*off_us))
            }
            Action::PowerLoss { during_write: true, .. } => "power loss armed for the next sleep-region write".into(),
            Action::MqttDisconnect { down_us } => format!("mqtt disconnected for {} s", crate::time::Secs(*down_us)),
            Action::WatchdogReset => "task watchdog reset".into(),
            Action::Set { call, value } => format!("set {call} returns {value}"),
            Action::ClockJump { by_us } => {
                let sign = if *by_us < 0 { "-" } else { "+" };
                format!("wall clock jumps {sign}{} s", crate::time::Secs(by_us.unsigned_abs()))
            }
        }
    }
}

impl World {
    /// Whether the broker connection is up (no `mqtt_disconnect` step in force, and in live mode
    /// the real broker reachable).
    pub fn mqtt_connected(&self) -> bool {
        self.clock.now() >= self.mqtt_down_until && !self.link_down
    }

    /// What `os.time()` reads: whole seconds of virtual time plus every `clock_jump` so far.
    pub fn wall_clock_s(&self) -> i64 {
        (self.clock.now() as i64).saturating_add(self.wall_offset_us).div_euclid(crate::time::MICROS_PER_SEC as i64)
    }

    /// Traces the step `step` and lets `post` deliver what it brings to the registered
    /// callbacks, each of them and the step sharing a flow number (`trace::Event::flow`).
    fn posting_callbacks(&mut self, step: String, post: impl FnOnce(&mut World)) {
        self.flows += 1;
        let flow = Some(self.flows);
        self.record_flow(EventKind::Inject { step }, flow);
        self.posting = flow;
        post(self);
        self.posting = None;
    }

    pub(super) fn apply(&mut self, action: Action) {
        let step = action.describe();
        match action {
            Action::Publish { topic, args } => {
                self.post(Message::Publish { topic, args }, |_| Some(EventKind::Inject { step }));
            }
            Action::Mqtt { .. } if !self.mqtt_connected() => {
                self.record(EventKind::Inject { step: format!("lost while MQTT is disconnected: {step}") });
            }
            Action::Mqtt { topic, payload } => self.posting_callbacks(step, |w| w.mqtt_incoming(&topic, &payload)),
            Action::Event { name, data } => self.posting_callbacks(step, |w| w.firmware_event(&name, &data)),
            Action::Reload => {
                self.record(EventKind::Inject { step });
                self.post(Message::Reload { trigger: "step".into() }, |_| None);
            }
            Action::Write { path, bytes } => {
                self.record(EventKind::Inject { step });
                self.flash.write(&path, bytes);
            }
            Action::Config { path, value } => {
                self.record(EventKind::Inject { step });
                self.config_set(&path, value);
            }
            Action::Gnss { fix } => {
                self.record(EventKind::Inject { step });
                self.gnss_fix = fix;
            }
            Action::Gpio { pin } => {
                self.posting_callbacks(step, |w| w.firmware_event("gpio", &serde_json::json!({ "pin": pin })))
            }
            Action::Brownout => self.cut_power(step, PowerCut::Brownout),
            Action::PowerLoss { off_us, during_write: true } => {
                self.record(EventKind::Inject { step });
                self.tear_next_write = Some(off_us);
            }
            Action::PowerLoss { off_us, during_write: false } => self.cut_power(step, PowerCut::Loss { off_us }),
            Action::MqttDisconnect { down_us } => {
                self.record(EventKind::Inject { step });
                let until = self.clock.now().saturating_add(down_us);
                self.mqtt_down_until = self.mqtt_down_until.max(until);
            }
            Action::WatchdogReset => {
                self.record(EventKind::Inject { step });
                self.request_halt(Halt::Reboot { cause: "task watchdog".into() });
            }
            Action::Set { call, value } => {
                self.record(EventKind::Inject { step });
                self.returns.set(&call, value);
            }
            Action::ClockJump { by_us } => {
                self.record(EventKind::Inject { step });
                self.wall_offset_us = self.wall_offset_us.saturating_add(by_us);
            }
        }
    }
}
