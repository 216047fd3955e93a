//! The fleet's in-simulation MQTT broker: QoS 0 (each message delivered at most once per
//! device, never queued for a device that is not listening), retained messages, and the
//! wildcards matched exactly as on one device (`world::topic_matches`). Pure bookkeeping: which
//! filters each device subscribed to in its current session (a session ends when the device
//! goes into deep sleep or boots), and the deliveries a publish or a subscription makes, each
//! `latency` after it.

use crate::time::Micros;
use crate::world::topic_matches;
use std::collections::BTreeMap;

/// What a device sent to the broker.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Subscribe {
        filter: String,
    },
    Publish {
        topic: String,
        payload: String,
    },
    /// The device's session ended (deep sleep, a boot): its subscriptions are dropped.
    SessionEnded,
}

/// A message the broker hands to `device` at `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub at: Micros,
    pub device: usize,
    pub topic: String,
    pub payload: String,
}

pub struct Broker {
    latency: Micros,
    /// Each device's filters, in the order it first subscribed to them, until its session ends.
    filters: Vec<Vec<String>>,
    retained: BTreeMap<String, String>,
}

impl Broker {
    pub fn new(devices: usize, latency: Micros, retained: &[(String, String)]) -> Broker {
        Broker { latency, filters: vec![Vec::new(); devices], retained: retained.iter().cloned().collect() }
    }

    /// What `device` sending `what` at `at` makes the broker deliver. A publish goes to every
    /// device with a matching filter, the sender too (once each, in device order); a
    /// subscription gets the retained messages its filter matches (in topic order).
    pub fn handle(&mut self, at: Micros, device: usize, what: Sent) -> Vec<Delivery> {
        let at = at.saturating_add(self.latency);
        match what {
            Sent::Subscribe { filter } => {
                let retained = self.retained.iter().filter(|(topic, _)| topic_matches(&filter, topic));
                let out = retained
                    .map(|(topic, payload)| Delivery { at, device, topic: topic.clone(), payload: payload.clone() })
                    .collect();
                if !self.filters[device].contains(&filter) {
                    self.filters[device].push(filter);
                }
                out
            }
            Sent::Publish { topic, payload } => (0..self.filters.len())
                .filter(|&d| self.filters[d].iter().any(|f| topic_matches(f, &topic)))
                .map(|d| Delivery { at, device: d, topic: topic.clone(), payload: payload.clone() })
                .collect(),
            Sent::SessionEnded => {
                self.filters[device].clear();
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(topic: &str) -> Sent {
        Sent::Publish { topic: topic.into(), payload: "1".into() }
    }

    fn subscribe(filter: &str) -> Sent {
        Sent::Subscribe { filter: filter.into() }
    }

    #[test]
    fn a_publish_reaches_every_matching_device_once_after_the_latency() {
        let mut b = Broker::new(3, 1_000, &[]);
        assert!(b.handle(0, 0, subscribe("fleet/+/temp")).is_empty());
        b.handle(0, 0, subscribe("fleet/#"));
        b.handle(0, 2, subscribe("fleet/sensor/temp"));
        let out = b.handle(5_000, 1, publish("fleet/sensor/temp"));
        assert_eq!(out.iter().map(|d| (d.device, d.at)).collect::<Vec<_>>(), [(0, 6_000), (2, 6_000)]);
        assert!(b.handle(5_000, 1, publish("other/temp")).is_empty());
        assert_eq!(b.handle(7_000, 2, publish("fleet/sensor/temp")).len(), 2, "the sender hears itself");
        b.handle(8_000, 0, Sent::SessionEnded);
        assert_eq!(b.handle(9_000, 1, publish("fleet/sensor/temp")).len(), 1, "device 0 is gone");
    }

    #[test]
    fn a_subscription_gets_the_matching_retained_messages() {
        let retained = [("cfg/a".to_string(), "1".to_string()), ("cfg/b".into(), "2".into()), ("x".into(), "3".into())];
        let mut b = Broker::new(1, 10, &retained);
        let out = b.handle(100, 0, subscribe("cfg/+"));
        assert_eq!(out.iter().map(|d| (d.topic.as_str(), d.at)).collect::<Vec<_>>(), [("cfg/a", 110), ("cfg/b", 110)]);
        assert!(b.handle(200, 0, publish("cfg/c")).len() == 1, "publishes are not retained");
        assert_eq!(b.handle(300, 0, subscribe("cfg/#")).len(), 2);
    }
}
