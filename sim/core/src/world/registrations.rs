//! The firmware's registrations, its side of the bindings: subscriptions made from Lua
//! (EventBus, MQTT, `Node.setTimeout`), each stamped with the generation of the Lua state that made it, and the
//! device configuration scripts read with `Config.get`.
//!
//! When an event arrives, every matching registration of the current generation gets a
//! callback message on the rtos queue; a registration from an older generation is skipped, the
//! skip is traced with both generations, and the registration falls away. With the seed's naive
//! reload, stale callbacks keep firing instead.

use super::message::{CallbackArgs, Message};
use super::World;
use crate::time::Micros;
use crate::trace::EventKind;
use std::collections::BTreeMap;

/// What a registration listens to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listener {
    EventBus { event: String },
    Mqtt { filter: String },
    Timeout,
}

impl Listener {
    pub fn describe(&self) -> String {
        match self {
            Listener::EventBus { event } => format!("EventBus {event}"),
            Listener::Mqtt { filter } => format!("MQTT {filter}"),
            Listener::Timeout => "Node.setTimeout".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub generation: u32,
    pub listener: Listener,
}

/// Registrations and firmware timers; lost at reboot, kept across a reload.
#[derive(Debug, Default)]
pub struct Registrations {
    registrations: BTreeMap<u64, Registration>,
    next_id: u64,
    /// `Node.setTimeout` expiries: (due, registration id) in order.
    timeouts: BTreeMap<(Micros, u64), ()>,
}

impl Registrations {
    pub fn next_timeout(&self) -> Option<Micros> {
        self.timeouts.keys().next().map(|(at, _)| *at)
    }

    pub fn get(&self, id: u64) -> Option<&Registration> {
        self.registrations.get(&id)
    }

    /// Forgets a registration (a one-shot timeout after it ran).
    pub fn remove(&mut self, id: u64) {
        self.registrations.remove(&id);
    }

    pub fn clear(&mut self) {
        self.registrations.clear();
        self.timeouts.clear();
    }
}

/// MQTT topic filter matching with `+` (one level) and `#` (the rest, last level only).
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// The prefix of the firmware's own MQTT topics: the configuration's `mqtt.prefix`, `device`
/// when it has none.
pub fn mqtt_prefix(config: &serde_json::Value) -> &str {
    config.get("mqtt").and_then(|m| m.get("prefix")).and_then(|p| p.as_str()).unwrap_or("device")
}

/// The topic that hot-reloads the scripts: `<prefix>/cmd/lua/reload`.
pub fn reload_topic(prefix: &str) -> String {
    format!("{prefix}/cmd/lua/reload")
}

/// Whether `filter` is a valid MQTT subscription filter.
pub fn valid_filter(filter: &str) -> bool {
    let levels: Vec<&str> = filter.split('/').collect();
    !filter.is_empty()
        && levels.iter().enumerate().all(|(i, level)| match *level {
            "#" => i == levels.len() - 1,
            "+" => true,
            l => !l.contains(['#', '+']),
        })
}

impl World {
    /// Stamps a new registration with the current generation and traces it; in live mode an
    /// MQTT one subscribes on the broker.
    pub fn register(&mut self, listener: Listener) -> u64 {
        if let (Listener::Mqtt { filter }, Some(outside)) = (&listener, self.outside.as_mut()) {
            outside.subscribe(self.clock.now(), filter);
        }
        let regs = &mut self.registrations;
        regs.next_id += 1;
        let id = regs.next_id;
        let what = listener.describe();
        regs.registrations.insert(id, Registration { generation: self.generation, listener });
        self.record(EventKind::Subscribe { id, generation: self.generation, what });
        id
    }

    /// `Node.setTimeout`: a one-shot firmware timer (not an rtos timer slot).
    pub fn set_timeout(&mut self, ms: u64) -> u64 {
        let id = self.register(Listener::Timeout);
        let due = self.clock.now().saturating_add(ms.saturating_mul(1_000));
        self.registrations.timeouts.insert((due, id), ());
        id
    }

    pub fn fire_due_timeouts(&mut self) {
        let now = self.clock.now();
        while let Some((&(due, id), _)) = self.registrations.timeouts.iter().next() {
            if due > now {
                break;
            }
            self.registrations.timeouts.remove(&(due, id));
            self.deliver(id, CallbackArgs::None);
        }
    }

    /// Delivers a firmware event to every matching EventBus registration.
    pub fn firmware_event(&mut self, name: &str, data: &serde_json::Value) {
        let ids = self.matching(|l| matches!(l, Listener::EventBus { event } if event == name));
        for id in ids {
            self.deliver(id, CallbackArgs::Event(data.clone()));
        }
    }

    /// An MQTT message arrived from the broker.
    pub fn mqtt_incoming(&mut self, topic: &str, payload: &str) {
        if topic == self.reload_topic() {
            let trigger = format!("mqtt {topic}");
            self.post(Message::Reload { trigger }, |_| None);
            return;
        }
        let ids = self.matching(|l| matches!(l, Listener::Mqtt { filter } if topic_matches(filter, topic)));
        for id in ids {
            let args = CallbackArgs::Mqtt { topic: topic.to_string(), payload: payload.to_string() };
            self.deliver(id, args);
        }
    }

    /// `<mqtt.prefix>/cmd/lua/reload`; the prefix defaults to `device`.
    pub fn reload_topic(&self) -> String {
        reload_topic(mqtt_prefix(&self.config))
    }

    /// Whether registration `id` may run now; traces the skip when it may not.
    pub fn may_call(&mut self, id: u64) -> bool {
        let Some(reg) = self.registrations.get(id) else { return false };
        if reg.generation == self.generation || self.profile.naive_reload {
            return true;
        }
        let (made_in, what) = (reg.generation, reg.listener.describe());
        // A stale registration falls away at the first event that would have called it.
        self.registrations.registrations.remove(&id);
        self.record(EventKind::Skip { id, what, made_in, current: self.generation });
        false
    }

    fn deliver(&mut self, id: u64, args: CallbackArgs) {
        if self.may_call(id) {
            self.post(Message::Callback { registration: id, args, flow: self.posting }, |_| None);
        }
    }

    fn matching(&self, pred: impl Fn(&Listener) -> bool) -> Vec<u64> {
        self.registrations.registrations.iter().filter(|(_, r)| pred(&r.listener)).map(|(id, _)| *id).collect()
    }

    /// `Config.get("a.b.c")`: the value at a dotted path, `None` when any part is missing.
    pub fn config_get(&self, path: &str) -> Option<serde_json::Value> {
        path.split('.').try_fold(&self.config, |node, key| node.get(key)).cloned()
    }

    /// Sets the value at a dotted path, creating tables on the way.
    pub fn config_set(&mut self, path: &str, value: serde_json::Value) {
        let mut node = &mut self.config;
        for key in path.split('.') {
            if !node.is_object() {
                *node = serde_json::Value::Object(Default::default());
            }
            node =
                node.as_object_mut().expect("made an object").entry(key.to_string()).or_insert(serde_json::Value::Null);
        }
        *node = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_wildcards() {
        assert!(topic_matches("sensors/+/temp", "sensors/boiler/temp"));
        assert!(!topic_matches("sensors/+/temp", "sensors/boiler/flue/temp"));
        assert!(topic_matches("sensors/#", "sensors/boiler/flue/temp"));
        assert!(topic_matches("sensors/#", "sensors"));
        assert!(topic_matches("#", "a/b"));
        assert!(!topic_matches("a/b", "a/b/c"));
        assert!(valid_filter("a/+/#"));
        assert!(!valid_filter("a/#/b"));
        assert!(!valid_filter("a/b+"));
        assert!(!valid_filter(""));
    }
}
