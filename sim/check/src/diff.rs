//! Step six: how the candidate's behaviour differs from the deployed scripts' (`--against`).
//!
//! Both versions run the same scenario; what they sent out (MQTT, Telegram, calls of the
//! project's own modules), logged, and the
//! errors they hit are compared line by line with their virtual times, and the first difference
//! is reported. It is information for the person pushing, not a problem in itself.

use super::report::{Divergence, OutLine};
use luasim_core::trace::{Event, EventKind};

/// Lines a run sent out or logged, and its errors, in order.
pub fn out_lines(events: &[Event]) -> Vec<OutLine> {
    events.iter().filter_map(out_line).collect()
}

/// The outgoing line an event stands for, if any.
pub fn out_line(event: &Event) -> Option<OutLine> {
    let (kind, text) = match &event.kind {
        EventKind::MqttOut { .. } => ("mqtt", event.mqtt_line()?),
        EventKind::Telegram { .. } => ("telegram", event.telegram_line()?),
        EventKind::Log { .. } => ("log", event.log_line()?),
        EventKind::ModuleCall { .. } => ("call", event.call_line()?),
        EventKind::Error { .. } => ("error", event.error_line()?.lines().next()?.to_string()),
        _ => return None,
    };
    Some(OutLine { at_us: event.at_us, kind: kind.to_string(), text })
}

/// The first difference between what the deployed and the candidate scripts did.
pub fn diverge(scenario: &str, deployed: &[Event], candidate: &[Event]) -> Divergence {
    let (d, c) = (out_lines(deployed), out_lines(candidate));
    let first = (0..d.len().max(c.len())).find(|&i| d.get(i) != c.get(i));
    Divergence {
        scenario: scenario.to_string(),
        deployed_lines: d.len(),
        candidate_lines: c.len(),
        deployed: first.and_then(|i| d.get(i).cloned()),
        candidate: first.and_then(|i| c.get(i).cloned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use luasim_core::trace::Level;

    fn mqtt(at_us: u64, payload: &str) -> Event {
        Event {
            device: None,
            at_us,
            tick: 0,
            kind: EventKind::MqttOut { topic: "b/alert".into(), payload: payload.into() },
            gauges: None,
            flow: None,
        }
    }

    #[test]
    fn the_first_differing_line_is_reported_with_its_time() {
        let log = Event {
            device: None,
            at_us: 5,
            tick: 0,
            kind: EventKind::Log { level: Level::Info, tag: "lua".into(), text: "up".into(), bare: false },
            gauges: None,
            flow: None,
        };
        let deployed = [log.clone(), mqtt(10, "85"), mqtt(20, "90")];
        let candidate = [log.clone(), mqtt(20, "90")];
        let d = diverge("s", &deployed, &candidate);
        assert_eq!((d.deployed_lines, d.candidate_lines), (3, 2));
        assert_eq!(d.deployed.unwrap().to_string(), "0.000010 s  mqtt b/alert 85");
        assert_eq!(d.candidate.unwrap().to_string(), "0.000020 s  mqtt b/alert 90");
        assert!(diverge("s", &deployed, &deployed).same());
    }
}
