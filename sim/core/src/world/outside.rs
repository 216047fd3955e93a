//! The world outside the simulation, for live mode (`luasim live`: a real MQTT broker and the
//! wall clock) and for fleets (`fleet/`: the other devices, through the in-simulation broker).
//! The world asks its `Outside` before virtual time moves on, so that live mode can hold the
//! clock to the (scaled) wall clock and a fleet can hold each device to its lockstep window,
//! and whatever arrives meanwhile enters the device as a scenario step at the virtual time it
//! arrived. The device's MQTT subscriptions and publishes go out through it. Without an
//! `Outside` (every other mode) none of this runs and traces are exactly as before.

use super::{Halt, Step, World};
use crate::time::Micros;
use crate::trace::{EventKind, Level};

/// What live mode plugs into the world.
pub trait Outside {
    /// Virtual time is at `now` and about to move on to `until`, with nothing due before it.
    /// Return once the wall clock gets there (`Arrival::Nothing`), or earlier with what arrived.
    fn wait(&mut self, now: Micros, until: Micros) -> Arrival;
    /// The device subscribed to an MQTT topic filter (`MQTT.subscribe`) at virtual time `now`.
    fn subscribe(&mut self, now: Micros, filter: &str);
    /// The device published while connected (`MQTT.publish`) at virtual time `now`.
    fn publish(&mut self, now: Micros, topic: &str, payload: &str);
    /// The device's MQTT session ended at `now` (it went into deep sleep or booted): its
    /// subscriptions are gone until its scripts subscribe again. A fleet's broker forgets them;
    /// live mode keeps its one session to the real broker for the whole run.
    fn session_ended(&mut self, _now: Micros) {}
}

/// What `Outside::wait` brings back.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrival {
    /// `until` came, and nothing before it.
    Nothing,
    /// Something to play as a scenario step at `step.at` (clamped to `now..=until`): an MQTT
    /// message, a file upload. It meets the device as a step would: missed while asleep.
    Step(Step),
    /// The link to the broker went down or came back at `at`: traced as a firmware log line
    /// (`mqtt` tag); while it is down `MQTT.publish` fails as during an `mqtt_disconnect`.
    Link { at: Micros, up: bool, text: String },
    /// The session ends at `at` (Ctrl-C): the run ends there, as at the end of its duration.
    End { at: Micros },
}

impl World {
    /// Plugs live mode in (before the run starts).
    pub fn set_outside(&mut self, outside: Box<dyn Outside>) {
        self.outside = Some(outside);
    }

    /// Whether the outside ended the session before the run's duration.
    pub fn ended_outside(&self) -> bool {
        self.ended_outside
    }

    /// Live mode only: holds the clock until the wall clock reaches `until`, or until a step
    /// arrives (scheduled at its arrival time, so the caller's next deadline is that step) or
    /// the session ends (`end_at` moves to now).
    pub(super) fn pace(&mut self, until: Micros) {
        loop {
            let now = self.clock.now();
            let until = until.max(now);
            let Some(outside) = self.outside.as_mut() else { return };
            match outside.wait(now, until) {
                Arrival::Nothing => return,
                Arrival::Step(step) => {
                    let at = step.at.clamp(now, until);
                    let behind = self.steps[self.next_step..].iter().take_while(|s| s.at <= at).count();
                    self.steps.insert(self.next_step + behind, Step { at, action: step.action });
                    return;
                }
                Arrival::Link { at, up, text } => {
                    self.advance_clock(at.clamp(now, until));
                    self.link_down = !up;
                    let level = if up { Level::Info } else { Level::Warn };
                    self.record(EventKind::Log { level, tag: "mqtt".into(), text, bare: false });
                }
                Arrival::End { at } => {
                    self.advance_clock(at.clamp(now, until));
                    self.end_at = self.clock.now();
                    self.ended_outside = true;
                    self.request_halt(Halt::EndOfRun);
                    return;
                }
            }
        }
    }

    /// The next moment something is due at or before `until` (live mode first waits for it).
    pub(super) fn next_due(&mut self, until: Micros) -> Option<Micros> {
        if self.outside.is_some() {
            let horizon = self.next_deadline().map_or(until, |n| n.min(until));
            self.pace(horizon);
        }
        let until = until.min(self.end_at);
        self.next_deadline().filter(|&n| n <= until)
    }

    /// The next step due at or before `until`, taken off the schedule (live mode first waits
    /// for it); for stretches where only steps matter (deep sleep, power off).
    pub(super) fn take_step_paced(&mut self, until: Micros) -> Option<Step> {
        if self.outside.is_some() {
            let horizon = self.steps.get(self.next_step).map_or(until, |s| s.at.min(until));
            self.pace(horizon);
        }
        self.take_step_until(until.min(self.end_at))
    }

    /// The device's MQTT session ends (deep sleep, a boot): told to the outside, if any.
    pub(super) fn end_mqtt_session(&mut self) {
        let now = self.clock.now();
        if let Some(outside) = self.outside.as_mut() {
            outside.session_ended(now);
        }
    }

    /// `MQTT.publish` while connected: traced, and in live mode sent to the broker.
    pub fn mqtt_send(&mut self, topic: String, payload: String) {
        if let Some(outside) = self.outside.as_mut() {
            outside.publish(self.clock.now(), &topic, &payload);
        }
        self.record(EventKind::MqttOut { topic, payload });
    }
}
