//! The connection of `luasim live` to a real MQTT broker: rumqttc's event loop on a tokio
//! runtime of its own, bridged to the simulation's thread by a channel. The simulation never
//! waits on the network: what the broker sends (and Ctrl-C) arrives in the channel stamped
//! with the wall-clock instant it came; what the device publishes or subscribes is queued to
//! the event loop without blocking. A broker that cannot be reached at the start is an error
//! within `CONNECT_TIMEOUT`; one that goes away later is reported in the channel once and
//! retried every `RETRY`, and every filter is subscribed again when it comes back.

use anyhow::{bail, Context};
use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Outgoing, Packet, QoS};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the start may wait for the broker to accept the connection and the subscriptions.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How often a lost broker is tried again.
pub const RETRY: Duration = Duration::from_secs(1);
/// How long the end may take to send what the device published last.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest MQTT packet taken or sent: a script uploaded as one payload must fit.
const MAX_PACKET: usize = 1 << 20;
/// Requests (publishes, subscriptions) that may wait for the event loop.
const QUEUE: usize = 4096;

/// `mqtt://HOST[:PORT]` (port 1883 by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddress {
    pub host: String,
    pub port: u16,
}

impl FromStr for BrokerAddress {
    type Err = String;

    fn from_str(text: &str) -> Result<BrokerAddress, String> {
        let bad = |why: &str| format!("`{text}`: {why}; a broker is mqtt://HOST:PORT, e.g. mqtt://127.0.0.1:1883");
        let rest = text.strip_prefix("mqtt://").ok_or_else(|| bad("only mqtt:// (plain TCP) is supported"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = match rest.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or_else(|| bad("an unclosed [ in the host"))?;
                match after {
                    "" => (host, None),
                    _ => (host, Some(after.strip_prefix(':').ok_or_else(|| bad("text after the host"))?)),
                }
            }
            None => match rest.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            },
        };
        let port = match port {
            Some(p) => p.parse::<u16>().map_err(|_| bad("the port is not a number from 1 to 65535"))?,
            None => 1883,
        };
        if host.is_empty() || host.contains(['/', '@', '?', '#']) || port == 0 {
            return Err(bad("no host, or a path, user or query the client does not take"));
        }
        Ok(BrokerAddress { host: host.to_string(), port })
    }
}

impl fmt::Display for BrokerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "mqtt://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "mqtt://{}:{}", self.host, self.port)
        }
    }
}

/// Something from outside, with the wall-clock instant it came.
#[derive(Debug)]
pub struct Received {
    pub at: Instant,
    pub what: Incoming,
}

#[derive(Debug)]
pub enum Incoming {
    /// A message on one of the subscribed filters.
    Message { topic: String, payload: Vec<u8> },
    /// The broker went away (`up: false`) or came back.
    Link { up: bool, text: String },
    /// Ctrl-C: end the session.
    Stop,
}

/// A connected broker.
pub struct Broker {
    runtime: tokio::runtime::Runtime,
    client: AsyncClient,
    /// Every filter subscribed, in order, to subscribe again after a reconnection.
    filters: Arc<Mutex<Vec<String>>>,
    closing: Arc<AtomicBool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Broker {
    /// Connects as `client_id`, subscribes `topics` (the firmware's own), and from then on sends
    /// what arrives, and Ctrl-C, to `to_session`. Fails within `CONNECT_TIMEOUT` when the broker
    /// cannot be reached or refuses.
    pub fn connect(
        address: &BrokerAddress,
        client_id: &str,
        topics: &[String],
        to_session: Sender<Received>,
    ) -> anyhow::Result<Broker> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("luasim-live-mqtt")
            .enable_all()
            .build()
            .context("cannot start the MQTT client's runtime")?;
        let mut options = MqttOptions::new(client_id, address.host.clone(), address.port);
        options
            .set_keep_alive(Duration::from_secs(5))
            .set_clean_session(true)
            .set_max_packet_size(MAX_PACKET, MAX_PACKET);
        let (client, mut events) = AsyncClient::new(options, QUEUE);
        let filters = Arc::new(Mutex::new(topics.to_vec()));
        let started = runtime.block_on(async {
            tokio::time::timeout(CONNECT_TIMEOUT, start(&client, &mut events, topics, &to_session)).await
        });
        match started {
            Err(_) => {
                bail!("cannot reach the MQTT broker at {address}: no answer within {} s", CONNECT_TIMEOUT.as_secs())
            }
            Ok(Err(e)) => bail!("cannot reach the MQTT broker at {address}: {e}"),
            Ok(Ok(())) => {}
        }
        let closing = Arc::new(AtomicBool::new(false));
        let task = runtime.spawn(serve(events, client.clone(), filters.clone(), closing.clone(), to_session.clone()));
        runtime.spawn(stop_on_ctrl_c(to_session));
        Ok(Broker { runtime, client, filters, closing, task: Mutex::new(Some(task)) })
    }

    /// Subscribes `filter` on the broker (once, however often the device asks).
    pub fn subscribe(&self, filter: &str) {
        let mut filters = self.filters.lock().unwrap_or_else(|e| e.into_inner());
        if filters.iter().any(|f| f == filter) {
            return;
        }
        filters.push(filter.to_string());
        if let Err(e) = self.client.try_subscribe(filter, QoS::AtLeastOnce) {
            crate::live::warn(format_args!("could not subscribe {filter} on the broker: {e}"));
        }
    }

    /// Publishes at QoS 0, as the device's `MQTT.publish` does.
    pub fn publish(&self, topic: &str, payload: &str) {
        if let Err(e) = self.client.try_publish(topic, QoS::AtMostOnce, false, payload.as_bytes().to_vec()) {
            crate::live::warn(format_args!("could not publish on {topic}: {e}"));
        }
    }

    /// Sends what is still queued, disconnects and stops the client, all within a bound.
    pub fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let (Some(task), Ok(())) = (task, self.client.try_disconnect()) {
            let _ = self.runtime.block_on(async { tokio::time::timeout(CLOSE_TIMEOUT, task).await });
        }
    }
}

/// The start: the connection acknowledged, then every topic's subscription.
async fn start(
    client: &AsyncClient,
    events: &mut EventLoop,
    topics: &[String],
    to_session: &Sender<Received>,
) -> Result<(), ConnectionError> {
    loop {
        if let Event::Incoming(Packet::ConnAck(_)) = events.poll().await? {
            break;
        }
    }
    for topic in topics {
        // The queue is empty at the start, so this cannot fail for want of room.
        let _ = client.try_subscribe(topic.as_str(), QoS::AtLeastOnce);
    }
    let mut acknowledged = 0;
    while acknowledged < topics.len() {
        match events.poll().await? {
            Event::Incoming(Packet::SubAck(_)) => acknowledged += 1,
            Event::Incoming(Packet::Publish(p)) => forward(to_session, p),
            _ => {}
        }
    }
    Ok(())
}

/// The event loop for the rest of the session: messages to the session, a lost broker
/// reported once and retried, every filter renewed on its return; ends at the disconnection.
async fn serve(
    mut events: EventLoop,
    client: AsyncClient,
    filters: Arc<Mutex<Vec<String>>>,
    closing: Arc<AtomicBool>,
    to_session: Sender<Received>,
) {
    let mut down = false;
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::Publish(p))) => forward(&to_session, p),
            Ok(Event::Incoming(Packet::ConnAck(_))) if down => {
                down = false;
                let filters = filters.lock().unwrap_or_else(|e| e.into_inner()).clone();
                for filter in filters {
                    let _ = client.try_subscribe(filter, QoS::AtLeastOnce);
                }
                link(&to_session, true, "reconnected to the broker".into());
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
            Ok(_) => {}
            Err(_) if closing.load(Ordering::SeqCst) => return,
            Err(e) => {
                if !down {
                    down = true;
                    let text = format!("broker connection lost ({e}); reconnecting every {} s", RETRY.as_secs());
                    link(&to_session, false, text);
                }
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

fn forward(to_session: &Sender<Received>, p: rumqttc::Publish) {
    let what = Incoming::Message { topic: p.topic, payload: p.payload.to_vec() };
    let _ = to_session.send(Received { at: Instant::now(), what });
}

fn link(to_session: &Sender<Received>, up: bool, text: String) {
    let _ = to_session.send(Received { at: Instant::now(), what: Incoming::Link { up, text } });
}

/// The first Ctrl-C ends the session cleanly (the summary is still written); a second one,
/// for a session that does not end, exits at once.
async fn stop_on_ctrl_c(to_session: Sender<Received>) {
    if tokio::signal::ctrl_c().await.is_ok() {
        let _ = to_session.send(Received { at: Instant::now(), what: Incoming::Stop });
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_addresses() {
        let a: BrokerAddress = "mqtt://127.0.0.1:1884".parse().unwrap();
        assert_eq!((a.host.as_str(), a.port), ("127.0.0.1", 1884));
        assert_eq!("mqtt://broker.lan".parse::<BrokerAddress>().unwrap().port, 1883);
        let v6: BrokerAddress = "mqtt://[::1]:1885".parse().unwrap();
        assert_eq!((v6.host.as_str(), v6.port, v6.to_string()), ("::1", 1885, "mqtt://[::1]:1885".to_string()));
        for bad in ["127.0.0.1:1883", "mqtts://h:8883", "mqtt://:1883", "mqtt://h:0", "mqtt://h:x", "mqtt://u@h"] {
            assert!(bad.parse::<BrokerAddress>().is_err(), "{bad}");
        }
    }
}
