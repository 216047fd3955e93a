//! `luasim live`: one simulated device on a real MQTT broker, in wall-clock time.
//!
//! The core stays free of sockets and clocks; this is its `Outside` (`runtime::Outside`): the
//! virtual clock is held to the wall clock scaled by `speed` (virtual time `t` is due at
//! `start + t / speed`), and what the broker sends enters the device as a scenario step at the
//! virtual time it came (an `mqtt` step; an upload on `<prefix>/cmd/lua/put/<file>` a `write`
//! step of `/scripts/<file>`). The device's `MQTT.subscribe` and `MQTT.publish` go to the
//! broker. The one mode whose trace depends on the wall clock: no two sessions are alike.

pub mod broker;

use broker::{Broker, Incoming, Received};
use luasim_core::runtime::{Arrival, Outside};
use luasim_core::scenario::{Action, Step};
use luasim_core::time::Micros;
use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a wait tells the host-time safety net (`hostlimit`) that the session is alive.
const HEARTBEAT: Duration = Duration::from_millis(500);

/// The topics below which a file is uploaded: `<prefix>/cmd/lua/put/<file>` with the file's
/// bytes as payload writes `/scripts/<file>` on the device's flash.
pub fn upload_prefix(prefix: &str) -> String {
    format!("{prefix}/cmd/lua/put/")
}

/// A line on stderr about the session (not part of the trace).
pub fn warn(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "luasim live: {line}");
}

/// The session's side of the simulation: paces it and brings the broker in.
pub struct Session {
    broker: Arc<Broker>,
    from_broker: Receiver<Received>,
    started: Instant,
    speed: f64,
    uploads: String,
    /// Something that came after the horizon of the last wait, for a later one.
    held: Option<Received>,
}

impl Session {
    /// A session whose virtual time 0 is now; `uploads` is `upload_prefix` of the device.
    pub fn new(broker: Arc<Broker>, from_broker: Receiver<Received>, speed: f64, uploads: String) -> Session {
        Session { broker, from_broker, started: Instant::now(), speed, uploads, held: None }
    }

    /// The wall-clock instant virtual time `at` is due (`None`: beyond any instant).
    fn wall_time(&self, at: Micros) -> Option<Instant> {
        let offset = Duration::try_from_secs_f64(at as f64 / 1e6 / self.speed).ok()?;
        self.started.checked_add(offset)
    }

    /// The virtual time of the wall-clock instant `at`.
    fn virtual_time(&self, at: Instant) -> Micros {
        (at.saturating_duration_since(self.started).as_secs_f64() * self.speed * 1e6) as Micros
    }

    /// The next thing from outside, waiting at most until `deadline`.
    fn next(&mut self, deadline: Option<Instant>, now: Micros) -> Option<Received> {
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                return self.from_broker.try_recv().ok();
            }
            let slice = left.map_or(HEARTBEAT, |left| left.min(HEARTBEAT));
            match self.from_broker.recv_timeout(slice) {
                Ok(received) => return Some(received),
                Err(RecvTimeoutError::Timeout) => {}
                // The client is gone (it never is before the end): only the clock is left.
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(slice),
            }
            luasim_core::hostlimit::beat(now);
        }
    }

    /// What `what`, come at virtual time `at`, is to the device (`None`: nothing, said why).
    fn arrival(&self, what: Incoming, at: Micros) -> Option<Arrival> {
        let action = match what {
            Incoming::Stop => return Some(Arrival::End { at }),
            Incoming::Link { up, text } => return Some(Arrival::Link { at, up, text }),
            Incoming::Message { topic, payload } => match topic.strip_prefix(&self.uploads) {
                Some(file) => match upload_path(file) {
                    Ok(path) => Action::Write { path, bytes: payload },
                    Err(why) => {
                        warn(format_args!("ignored the upload on {topic}: {why}"));
                        return None;
                    }
                },
                None => Action::Mqtt { topic, payload: String::from_utf8_lossy(&payload).into_owned() },
            },
        };
        Some(Arrival::Step(Step { at, action }))
    }
}

/// The flash path of an upload's `<file>`: below `/scripts`, without empty, `.` or `..` parts.
fn upload_path(file: &str) -> Result<String, &'static str> {
    if file.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err("the file name must be a path below /scripts without empty, `.` or `..` parts");
    }
    Ok(format!("{}/{file}", luasim_core::vfs::SCRIPTS_DIR))
}

impl Outside for Session {
    fn wait(&mut self, now: Micros, until: Micros) -> Arrival {
        let deadline = self.wall_time(until);
        loop {
            let Some(received) = self.held.take().or_else(|| self.next(deadline, now)) else {
                return Arrival::Nothing;
            };
            if deadline.is_some_and(|d| received.at > d) {
                self.held = Some(received);
                return Arrival::Nothing;
            }
            let at = self.virtual_time(received.at).clamp(now, until);
            if let Some(arrival) = self.arrival(received.what, at) {
                return arrival;
            }
        }
    }

    fn subscribe(&mut self, _now: Micros, filter: &str) {
        self.broker.subscribe(filter);
    }

    fn publish(&mut self, _now: Micros, topic: &str, payload: &str) {
        self.broker.publish(topic, payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_stay_below_the_scripts_folder() {
        assert_eq!(upload_path("rules.lua").unwrap(), "/scripts/rules.lua");
        assert_eq!(upload_path("lib/util.lua").unwrap(), "/scripts/lib/util.lua");
        for bad in ["", "../etc/passwd", "a//b.lua", "./x.lua", "lib/"] {
            assert!(upload_path(bad).is_err(), "{bad}");
        }
    }
}
