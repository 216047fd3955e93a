//! Step five: is the script safe to hot-reload? Load, reload twice, and compare side effects
//! event by event with a plain boot, on the real firmware's reload (stale registrations never
//! fire).
//!
//! Two things fail. A rule that fires twice for one event: two registrations of the same kind
//! (the same firmware event, MQTT filter or timeout) made in the same generation, whose
//! callbacks send identical lines at the same instant, which means the scripts register the
//! handler twice (rules.lua run by the firmware and also loaded by main.lua). And behaviour
//! that changes after reloads: for some scenario step the device sends, logs or fails
//! differently once reloaded (state carried through the sleep region, say).

use super::budgets::located;
use super::diff::out_line;
use super::report::{Finding, OutLine, Severity};
use luasim_core::runtime::RunReport;
use luasim_core::time::{Micros, Secs};
use luasim_core::trace::{Event, EventKind};
use std::collections::BTreeMap;

/// Findings of one scenario: `baseline` is a plain run, `reloaded` the same with two reloads.
pub fn compare(
    scenario: &str,
    baseline: &RunReport,
    reloaded: &RunReport,
    file: &dyn Fn(&str) -> String,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let before = double_fire(&baseline.events);
    if let Some(fire) = double_fire(&reloaded.events).or(before.clone()) {
        let when = if before.is_some() { "on every boot, reloaded or not" } else { "only after a reload" };
        let mut f = Finding::new(
            Severity::Error,
            "reload-double-fire",
            format!(
                "the rule for `{}` fires twice for one event ({when}): callbacks #{} and #{} both sent `{}`",
                fire.what, fire.first, fire.second, fire.line
            ),
        )
        .help("register each handler once: a file the firmware runs (rules.lua) must not also be loaded by another (dofile/require)")
        .seen_in(scenario, Some(fire.at_us));
        for (id, origin) in [(fire.first, &fire.first_origin), (fire.second, &fire.second_origin)] {
            f = f.note(format!(
                "#{id} was registered {}",
                origin.as_deref().map(file).map_or("at boot".into(), |p| format!("while running {p}"))
            ));
        }
        if let Some(path) = fire.second_origin.as_deref().or(fire.first_origin.as_deref()) {
            f.file = Some(file(path));
        }
        out.push(f);
    }
    if let Some(change) = first_change(&baseline.events, &reloaded.events) {
        let show = |l: &Option<(usize, OutLine)>| {
            l.as_ref().map_or("nothing".to_string(), |(_, l)| format!("`{} {}`", l.kind, l.text))
        };
        let line_of = |run: &RunReport, l: &Option<(usize, OutLine)>| {
            let (index, _) = l.as_ref()?;
            run.call_lines.iter().find(|(n, _)| *n == *index as u64).map(|(_, line)| line.clone())
        };
        let source = line_of(reloaded, &change.reloaded).or_else(|| line_of(baseline, &change.fresh));
        let mut f = Finding::new(
            Severity::Error,
            "reload-behaviour",
            format!(
                "after two reloads the device behaves differently: the first diverging output, after the step `{}` at {} s, is {} where a fresh boot has {}",
                change.step,
                Secs(change.at_us),
                show(&change.reloaded),
                show(&change.fresh)
            ),
        )
        .help("a reload must start from the same state as a boot: keep nothing in RTC that changes what the rules do")
        .seen_in(scenario, Some(change.at_us));
        if let Some(line) = &source {
            f = located(f, line, file).note(format!("the diverging output is sent from {}", strip_scripts(line, file)));
        }
        let inputs: Vec<String> = change.inputs.iter().map(|(at, step)| format!("{step} at {} s", Secs(*at))).collect();
        let shown = inputs.len().saturating_sub(MAX_INPUTS);
        let more = if shown > 0 { format!("{shown} earlier, then ") } else { String::new() };
        f = f.note(format!(
            "the inputs that led there (reloaded run): two reloads at boot, then {more}{}",
            if inputs.is_empty() { "none".to_string() } else { inputs[shown..].join(", ") }
        ));
        out.push(f);
    }
    out
}

/// Inputs listed before the diverging output, at most.
const MAX_INPUTS: usize = 5;

/// `file:line` with the device path replaced by the name the user knows.
fn strip_scripts(line: &str, file: &dyn Fn(&str) -> String) -> String {
    match super::budgets::script_location(line) {
        Some((path, n)) => format!("{}:{n}", file(&path)),
        None => line.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq)]
struct DoubleFire {
    what: String,
    first: u64,
    second: u64,
    /// Device paths of the scripts running when each was registered.
    first_origin: Option<String>,
    second_origin: Option<String>,
    line: String,
    at_us: Micros,
}

/// One run of a firmware callback: what it sent and logged.
struct Firing {
    id: u64,
    generation: u32,
    what: String,
    at_us: Micros,
    lines: Vec<String>,
}

/// Two registrations of one kind, in one generation, whose callbacks sent the same lines at the
/// same instant.
fn double_fire(events: &[Event]) -> Option<DoubleFire> {
    let mut origin: BTreeMap<u64, String> = BTreeMap::new();
    let mut script: Option<String> = None;
    let mut firings: Vec<Firing> = Vec::new();
    let mut open = false;
    for event in events {
        match &event.kind {
            EventKind::Script { path, .. } => {
                script = Some(path.clone());
                open = false;
            }
            EventKind::Subscribe { id, .. } => {
                if let Some(s) = &script {
                    origin.insert(*id, s.clone());
                }
            }
            EventKind::Callback { id, generation, what } => {
                firings.push(Firing {
                    id: *id,
                    generation: *generation,
                    what: what.clone(),
                    at_us: event.at_us,
                    lines: Vec::new(),
                });
                open = true;
            }
            EventKind::Inject { .. }
            | EventKind::Boot { .. }
            | EventKind::Reload { .. }
            | EventKind::TimerFire { .. } => {
                open = false;
                script = None;
            }
            _ => {
                if let (true, Some(line), Some(last)) = (open, out_line(event), firings.last_mut()) {
                    last.lines.push(format!("{} {}", line.kind, line.text));
                }
            }
        }
    }
    for (i, a) in firings.iter().enumerate() {
        let twin = firings[i + 1..].iter().take_while(|b| b.at_us == a.at_us).find(|b| {
            b.id != a.id
                && b.generation == a.generation
                && b.what == a.what
                && !a.lines.is_empty()
                && b.lines == a.lines
        });
        if let Some(b) = twin {
            return Some(DoubleFire {
                what: a.what.clone(),
                first: a.id,
                second: b.id,
                first_origin: origin.get(&a.id).cloned(),
                second_origin: origin.get(&b.id).cloned(),
                line: a.lines[0].clone(),
                at_us: a.at_us,
            });
        }
    }
    None
}

/// What followed one scenario step: the device's outputs with their event numbers.
struct Segment {
    step: String,
    at_us: Micros,
    lines: Vec<(usize, OutLine)>,
}

fn segments(events: &[Event]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (index, event) in events.iter().enumerate() {
        match &event.kind {
            EventKind::Inject { step } => {
                out.push(Segment { step: step.clone(), at_us: event.at_us, lines: Vec::new() })
            }
            _ => {
                if let (Some(line), Some(last)) = (out_line(event), out.last_mut()) {
                    last.lines.push((index, line));
                }
            }
        }
    }
    out
}

struct Change {
    step: String,
    at_us: Micros,
    fresh: Option<(usize, OutLine)>,
    reloaded: Option<(usize, OutLine)>,
    /// The scenario's steps up to this one, with their times (the extra reloads left out).
    inputs: Vec<(Micros, String)>,
}

/// The first step after which the reloaded run did something else. The reloaded run has two
/// extra reload steps; steps are paired in order by time and description, skipping those.
fn first_change(fresh: &[Event], reloaded: &[Event]) -> Option<Change> {
    let fresh = segments(fresh);
    let mut next = 0;
    let mut inputs = Vec::new();
    for r in segments(reloaded) {
        let Some(f) = fresh.get(next) else { break };
        if (f.at_us, &f.step) != (r.at_us, &r.step) {
            continue;
        }
        next += 1;
        inputs.push((f.at_us, f.step.clone()));
        let same = |i: usize| f.lines.get(i).map(|(_, l)| l) == r.lines.get(i).map(|(_, l)| l);
        if let Some(i) = (0..f.lines.len().max(r.lines.len())).find(|&i| !same(i)) {
            return Some(Change {
                step: f.step.clone(),
                at_us: f.at_us,
                fresh: f.lines.get(i).cloned(),
                reloaded: r.lines.get(i).cloned(),
                inputs,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at_us: Micros, kind: EventKind) -> Event {
        Event { device: None, at_us, tick: 0, kind, gauges: None, flow: None }
    }

    fn callback(at_us: Micros, id: u64) -> Event {
        event(at_us, EventKind::Callback { id, generation: 1, what: "EventBus t".into() })
    }

    fn alert(at_us: Micros) -> Event {
        event(at_us, EventKind::MqttOut { topic: "a".into(), payload: "hot".into() })
    }

    fn inject(at_us: Micros, step: &str) -> Event {
        event(at_us, EventKind::Inject { step: step.into() })
    }

    #[test]
    fn two_registrations_sending_the_same_line_fire_twice_and_one_flooded_does_not() {
        let script = event(0, EventKind::Script { path: "/scripts/rules.lua".into(), bytes: 1 });
        let sub = |id| event(0, EventKind::Subscribe { id, generation: 1, what: "EventBus t".into() });
        let twice =
            [script.clone(), sub(1), sub(2), inject(5, "event t"), callback(5, 1), alert(5), callback(5, 2), alert(5)];
        let fire = double_fire(&twice).expect("a double fire");
        assert_eq!((fire.first, fire.second, fire.line.as_str()), (1, 2, "mqtt a hot"));
        assert_eq!(fire.second_origin.as_deref(), Some("/scripts/rules.lua"));
        let flood = [
            script,
            sub(1),
            inject(5, "event t"),
            inject(5, "event t"),
            callback(5, 1),
            alert(5),
            callback(5, 1),
            alert(5),
        ];
        assert_eq!(double_fire(&flood), None);
    }

    #[test]
    fn the_extra_reload_steps_are_skipped_and_the_first_change_is_found() {
        let fresh = [inject(5, "event t"), alert(5), inject(9, "event t"), alert(9)];
        let same =
            [inject(1, "reload"), inject(1, "reload"), inject(5, "event t"), alert(5), inject(9, "event t"), alert(9)];
        assert!(first_change(&fresh, &same).is_none());
        let changed = [inject(1, "reload"), inject(1, "reload"), inject(5, "event t"), alert(5), inject(9, "event t")];
        let change = first_change(&fresh, &changed).expect("a change");
        assert_eq!((change.at_us, change.reloaded.is_none()), (9, true));
    }
}
