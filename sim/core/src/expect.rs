//! Expectations: what a scenario says must (or must never) show up in the trace, and the
//! checks that evaluate them event by event while the run goes. The flat kinds (a log line,
//! an MQTT publish, …, counted in a window) are here; the ordered, relative, JSON, power-state,
//! charge and sleep-region kinds each have a file below.

mod after;
mod charge;
mod json_fields;
mod line;
mod power_at;
mod region_at;
mod sequence;

pub use after::After;
pub use json_fields::FieldTest;
pub use line::{Line, LineKind};
pub use power_at::{PowerAt, PHASE_NAMES};
pub use region_at::RegionAt;

use crate::figures::Stats;
use crate::time::{Micros, Secs};
use crate::trace::{Event, Observer};
use regex::Regex;
use std::fmt;

/// How a log line is matched.
#[derive(Debug, Clone)]
pub enum Matcher {
    Substring(String),
    Regex(Regex),
}

impl Matcher {
    pub fn matches(&self, line: &str) -> bool {
        match self {
            Matcher::Substring(s) => line.contains(s.as_str()),
            Matcher::Regex(r) => r.is_match(line),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Substring(s) => write!(f, "{s:?}"),
            Matcher::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// How one argument of an expected call is matched: its literal as the trace prints it
/// (`bindings::render`) equals this text, or matches the regex.
#[derive(Debug, Clone)]
pub enum ArgMatcher {
    Equals(String),
    Regex(Regex),
}

impl ArgMatcher {
    fn matches(&self, arg: &str) -> bool {
        match self {
            ArgMatcher::Equals(text) => arg == text,
            ArgMatcher::Regex(r) => r.is_match(arg),
        }
    }
}

impl fmt::Display for ArgMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgMatcher::Equals(text) => f.write_str(text),
            ArgMatcher::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// What is counted.
#[derive(Debug, Clone)]
pub enum Target {
    /// Log lines (`I/user.tag text`, `I/lua text`, or the text of a `print`) that match.
    Log(Matcher),
    /// Outgoing MQTT publishes, as `topic payload`.
    Mqtt(Matcher),
    /// Telegram messages, as `to: text` (`broadcast: text` for broadcasts).
    Telegram(Matcher),
    /// Error events and error-level log lines, all of them or those matching.
    Errors(Option<Matcher>),
    /// Calls of a user-module function (`Display.draw`) whose first arguments match `args`.
    Call { function: String, args: Vec<ArgMatcher> },
    /// A figure of the whole run, between `min` and `max` (checked at the end).
    Measure { what: Measure, min: f64, max: f64 },
    /// Outgoing MQTT publishes on a matching topic whose JSON payload passes every test.
    MqttJson { topic: Matcher, fields: Vec<FieldTest> },
    /// Lines that must come in this order (counted: how many came).
    Sequence(Vec<Line>),
    /// A line that must follow every `after.trigger` within `after.within` (counted: how many
    /// triggers were answered).
    Answer { then: Line, after: After },
    /// The power phase at one moment.
    Power(PowerAt),
    /// At most this charge in mAh drawn within the expectation's window.
    Charge { max_mah: f64 },
    /// Sleep-region entries at one moment.
    Region(RegionAt),
}

/// Figures of a whole run that expectations can bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Boots,
    HeapBytes,
    RegionBytes,
    MahPerDay,
    Timers,
    Queue,
    Drops,
}

impl Measure {
    /// Every measure with its scenario-file name.
    pub const NAMES: [(&'static str, Measure); 7] = [
        ("boots", Measure::Boots),
        ("heap_bytes", Measure::HeapBytes),
        ("region_bytes", Measure::RegionBytes),
        ("mah_per_day", Measure::MahPerDay),
        ("timers", Measure::Timers),
        ("queue", Measure::Queue),
        ("drops", Measure::Drops),
    ];

    pub fn name(self) -> &'static str {
        Measure::NAMES.iter().find(|(_, m)| *m == self).map_or("?", |(n, _)| n)
    }
}

/// The figure a `measure:` expectation judges.
fn measured(stats: &Stats, m: Measure) -> f64 {
    match m {
        Measure::Boots => stats.boots as f64,
        Measure::HeapBytes => stats.heap_peak_bytes as f64,
        Measure::RegionBytes => stats.region_bytes as f64,
        Measure::MahPerDay => stats.energy.mah_per_day,
        Measure::Timers => stats.timers_peak as f64,
        Measure::Queue => stats.queue_peak as f64,
        Measure::Drops => stats.queue_drops as f64,
    }
}

/// How many matches are acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub min: u64,
    pub max: u64,
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (0, 0) => write!(f, "never"),
            (a, b) if a == b => write!(f, "exactly {a}×"),
            (a, u64::MAX) => write!(f, "at least {a}×"),
            (0, b) => write!(f, "at most {b}×"),
            (a, b) => write!(f, "{a}..{b}×"),
        }
    }
}

/// One expectation of a scenario.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub target: Target,
    pub count: Count,
    /// Inclusive window of virtual time in which matches count.
    pub from: Micros,
    pub until: Micros,
    /// Added by luasim, not written in the scenario (the default "no errors").
    pub implicit: bool,
}

impl Expectation {
    /// The default every scenario gets unless it says something about errors itself.
    pub fn implicit_no_errors() -> Expectation {
        Expectation {
            target: Target::Errors(None),
            count: Count { min: 0, max: 0 },
            from: 0,
            until: Micros::MAX,
            implicit: true,
        }
    }
}

impl Expectation {
    /// The moments the run must sample the device at for this expectation (`world/probes.rs`).
    pub fn probe_moments(&self) -> Vec<Micros> {
        match &self.target {
            Target::Charge { .. } => [self.from, self.until].into_iter().filter(|&t| t != Micros::MAX).collect(),
            Target::Region(r) => vec![r.at],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Log(m) => write!(f, "log {m} {}", self.count)?,
            Target::Mqtt(m) => write!(f, "mqtt {m} {}", self.count)?,
            Target::Telegram(m) => write!(f, "telegram {m} {}", self.count)?,
            Target::Call { function, args } if args.is_empty() => write!(f, "call {function} {}", self.count)?,
            Target::Call { function, args } => {
                let args: Vec<String> = args.iter().map(ToString::to_string).collect();
                write!(f, "call {function}({}) {}", args.join(", "), self.count)?
            }
            Target::Errors(None) if self.count.max == 0 => write!(f, "no errors")?,
            Target::Errors(None) => write!(f, "errors {}", self.count)?,
            Target::Errors(Some(m)) => write!(f, "error {m} {}", self.count)?,
            Target::Measure { what, min, max } if min == max => write!(f, "{} = {min}", what.name())?,
            Target::Measure { what, max, .. } => write!(f, "{} <= {max}", what.name())?,
            Target::MqttJson { topic, fields } => {
                let tests: Vec<String> = fields.iter().map(ToString::to_string).collect();
                write!(f, "mqtt {topic} with json {} {}", tests.join(", "), self.count)?
            }
            Target::Sequence(items) => {
                let items: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "sequence {}", items.join(" → "))?
            }
            Target::Answer { then, after } => {
                write!(f, "{then} within {} s after each {} {}", Secs(after.within), after.trigger, self.count)?
            }
            Target::Power(p) => write!(f, "power {} at {} s", power_at::phase_name(p.phase), Secs(p.at))?,
            Target::Charge { max_mah } => write!(f, "charge <= {} mAh", crate::literal::format_number(*max_mah))?,
            Target::Region(r) => {
                let values: Vec<String> = r.values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                write!(f, "region {{{}}} at {} s", values.join(", "), Secs(r.at))?
            }
        }
        if self.implicit {
            write!(f, " (default)")?;
        }
        if self.from > 0 || self.until < Micros::MAX {
            write!(f, " within [{}s, ", Secs(self.from))?;
            if self.until == Micros::MAX {
                write!(f, "end]")
            } else {
                write!(f, "{}s]", Secs(self.until))
            }
        } else {
            Ok(())
        }
    }
}

/// An expectation being evaluated.
#[derive(Debug, Clone)]
pub struct Check {
    expectation: Expectation,
    seen: u64,
    first: Option<Micros>,
    /// For error expectations, the first error counted; for text expectations that have not
    /// yet seen enough, the closest line that did not match, with its score.
    cause: Option<(Cause, f64)>,
    /// What the ordered, relative and power-state kinds follow.
    progress: Progress,
}

#[derive(Debug, Clone, Default)]
enum Progress {
    #[default]
    Counted,
    Sequence(sequence::SequenceProgress),
    Answer(after::AfterProgress),
    Power(power_at::PowerProgress),
}

/// What a failed expectation points at, so a report can say why without the whole trace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cause {
    pub kind: CauseKind,
    pub at_us: Micros,
    /// The line as matched (`what: message` for an error, its traceback on real lines).
    pub line: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    /// The first error an error expectation counted.
    FirstError,
    /// The line of the expected kind, in the window, that came closest to matching.
    NearestMiss,
    /// What an ordered, relative or power-state expectation waited for and did not see.
    Unmet,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            CauseKind::FirstError => "first error",
            CauseKind::NearestMiss => "nearest miss",
            CauseKind::Unmet => "unmet",
        };
        write!(f, "{what} at {} s: {}", Secs(self.at_us), self.line)
    }
}

/// How close `line` comes to containing `needle`: the share of the needle's character pairs
/// found in it (1.0 for a line with every pair, which a substring match would also have).
fn closeness(needle: &str, line: &str) -> f64 {
    let chars: Vec<char> = needle.chars().collect();
    if chars.len() < 2 {
        return 0.0;
    }
    let mut pair = String::with_capacity(8);
    let found = chars
        .windows(2)
        .filter(|w| {
            pair.clear();
            pair.extend(w.iter());
            line.contains(pair.as_str())
        })
        .count();
    found as f64 / (chars.len() - 1) as f64
}

/// The verdict of one expectation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub expectation: String,
    pub passed: bool,
    /// Matches counted, or the measured figure.
    pub seen: f64,
    /// Time of the first counted match, if any.
    pub first_at_us: Option<Micros>,
    /// Why it failed, when a line says it (absent for passed expectations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
}

impl Check {
    pub fn new(expectation: Expectation) -> Check {
        let progress = match &expectation.target {
            Target::Sequence(_) => Progress::Sequence(Default::default()),
            Target::Answer { .. } => Progress::Answer(Default::default()),
            Target::Power(_) => Progress::Power(Default::default()),
            _ => Progress::Counted,
        };
        Check { expectation, seen: 0, first: None, cause: None, progress }
    }

    pub fn observe(&mut self, event: &Event) {
        let e = &self.expectation;
        if event.at_us < e.from || event.at_us > e.until {
            return;
        }
        match (&e.target, &mut self.progress) {
            (Target::Sequence(items), Progress::Sequence(p)) => return p.observe(items, event),
            (Target::Answer { then, after }, Progress::Answer(p)) => return p.observe(after, then, event),
            (Target::Power(want), Progress::Power(p)) => return p.observe(want, event),
            (Target::MqttJson { topic, fields }, _) => {
                let state = (&mut self.seen, &mut self.first, &mut self.cause);
                return observe_json(topic, fields, e.count.min, state, event);
            }
            (Target::Call { function, args }, _) => {
                if !matches!(event.kind, crate::trace::EventKind::ModuleCall { .. }) {
                    return;
                }
                let (function, args) = (function.clone(), args.clone());
                self.observe_call(event, &function, &args);
                return;
            }
            _ => {}
        }
        let (matcher, line) = match &e.target {
            Target::Log(m) => (Some(m), event.log_line()),
            Target::Mqtt(m) => (Some(m), event.mqtt_line()),
            Target::Telegram(m) => (Some(m), event.telegram_line()),
            Target::Errors(m) => (m.as_ref(), event.error_line()),
            _ => return,
        };
        let Some(line) = line else { return };
        let hit = matcher.is_none_or(|m| m.matches(&line));
        let errors = matches!(e.target, Target::Errors(_));
        if hit {
            self.seen += 1;
            self.first.get_or_insert(event.at_us);
            match &mut self.cause {
                None if errors => {
                    self.cause = Some((Cause { kind: CauseKind::FirstError, at_us: event.at_us, line }, 1.0));
                }
                // A header line whose message is the next line (LuatOS's `Luat: `, then the
                // error): the cause is both.
                Some((first, _))
                    if errors
                        && first.at_us == event.at_us
                        && first.line.ends_with(": ")
                        && event.log_line().is_some() =>
                {
                    first.line.push_str(line.split_once(' ').map_or(line.as_str(), |(_, text)| text));
                }
                _ => {}
            }
        } else if let (false, Some(Matcher::Substring(needle))) = (errors, matcher) {
            if self.seen < e.count.min {
                let score = closeness(needle, &line);
                if score > self.cause.as_ref().map_or(0.0, |(_, best)| *best) {
                    let cause = Cause { kind: CauseKind::NearestMiss, at_us: event.at_us, line };
                    self.cause = Some((cause, score));
                }
            }
        }
    }

    /// A call expectation's look at one event: the function's calls count when their first
    /// arguments match; the nearest miss is the call of it that matched the most arguments.
    fn observe_call(&mut self, event: &Event, function: &str, expected: &[ArgMatcher]) {
        let crate::trace::EventKind::ModuleCall { function: called, args, .. } = &event.kind else { return };
        if called != function {
            return;
        }
        let arg = |i: usize| args.get(i).map_or("nil", String::as_str);
        let matching = expected.iter().enumerate().take_while(|(i, m)| m.matches(arg(*i))).count();
        if matching == expected.len() {
            self.seen += 1;
            self.first.get_or_insert(event.at_us);
        } else if self.seen < self.expectation.count.min {
            let score = (matching + 1) as f64 / (expected.len() + 1) as f64;
            if score > self.cause.as_ref().map_or(0.0, |(_, best)| *best) {
                let line = event.call_line().unwrap_or_default();
                self.cause = Some((Cause { kind: CauseKind::NearestMiss, at_us: event.at_us, line }, score));
            }
        }
    }

    /// The verdict, given the run's figures.
    pub fn outcome(&self, stats: &Stats) -> Outcome {
        let c = self.expectation.count;
        let (passed, seen, first, cause) = match (&self.expectation.target, &self.progress) {
            (Target::Measure { what, min, max }, _) => {
                let v = measured(stats, *what);
                (v >= *min && v <= *max, v, self.first, None)
            }
            (Target::Sequence(items), Progress::Sequence(p)) => {
                let (passed, seen, cause) = p.verdict(items);
                (passed, seen, p.first(), cause)
            }
            (Target::Answer { after, .. }, Progress::Answer(p)) => {
                let (all, answered, cause) = p.verdict(after);
                (all && (c.min..=c.max).contains(&answered), answered as f64, p.first(), cause)
            }
            (Target::Power(want), Progress::Power(p)) => {
                let (passed, cause) = p.verdict(want);
                (passed, f64::from(u8::from(passed)), None, cause)
            }
            (Target::Charge { max_mah }, _) => {
                let (passed, mah, cause) =
                    charge::verdict(stats, self.expectation.from, self.expectation.until, *max_mah);
                (passed, mah, None, cause)
            }
            (Target::Region(want), _) => {
                let (passed, cause) = want.verdict(stats);
                (passed, f64::from(u8::from(passed)), None, cause)
            }
            _ => {
                let cause = self.cause.as_ref().map(|(c, _)| c.clone());
                ((c.min..=c.max).contains(&self.seen), self.seen as f64, self.first, cause)
            }
        };
        let cause = if passed { None } else { cause };
        Outcome { expectation: self.expectation.to_string(), passed, seen, first_at_us: first, cause }
    }
}

/// An MQTT publish on a matching topic counts when its payload passes every field test; one
/// that does not is the nearest miss while fewer than `min` have counted.
fn observe_json(
    topic: &Matcher,
    fields: &[FieldTest],
    min: u64,
    (seen, first, cause): (&mut u64, &mut Option<Micros>, &mut Option<(Cause, f64)>),
    event: &Event,
) {
    let crate::trace::EventKind::MqttOut { topic: t, payload } = &event.kind else { return };
    if !topic.matches(t) {
        return;
    }
    let json = serde_json::from_str::<serde_json::Value>(payload).unwrap_or(serde_json::Value::Null);
    match fields.iter().find(|test| !test.passes(&json)) {
        None => {
            *seen += 1;
            first.get_or_insert(event.at_us);
        }
        Some(failed) if *seen < min && cause.is_none() => {
            let line = format!("{t} {payload} (fails {failed})");
            *cause = Some((Cause { kind: CauseKind::NearestMiss, at_us: event.at_us, line }, 1.0));
        }
        Some(_) => {}
    }
}

/// A scenario's expectations, checked event by event while the run goes (an `Observer` of
/// its trace) and judged against the run's figures at its end.
#[derive(Debug)]
pub struct Judge {
    checks: Vec<Check>,
}

impl Judge {
    pub fn new(expectations: &[Expectation]) -> Judge {
        Judge { checks: expectations.iter().cloned().map(Check::new).collect() }
    }

    /// Every expectation's verdict, in the scenario's order.
    pub fn outcomes(&self, stats: &Stats) -> Vec<Outcome> {
        self.checks.iter().map(|c| c.outcome(stats)).collect()
    }
}

impl Observer for Judge {
    fn observe(&mut self, event: &Event) {
        for check in &mut self.checks {
            check.observe(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{EventKind, Level};

    fn log(at_us: Micros, text: &str) -> Event {
        Event {
            device: None,
            at_us,
            tick: 0,
            kind: EventKind::Log { level: Level::Info, tag: "user.t".into(), text: text.into(), bare: false },
            gauges: None,
            flow: None,
        }
    }

    #[test]
    fn counts_only_inside_the_window() {
        let exp = Expectation {
            target: Target::Log(Matcher::Substring("ON".into())),
            count: Count { min: 2, max: 2 },
            from: 10,
            until: 20,
            implicit: false,
        };
        let mut c = Check::new(exp);
        for e in [log(5, "ON"), log(10, "ON"), log(20, "LED ON"), log(21, "ON"), log(15, "OFF")] {
            c.observe(&e);
        }
        let o = c.outcome(&Stats::default());
        assert!(o.passed, "{o:?}");
        assert_eq!(o.first_at_us, Some(10));
        assert_eq!(o.expectation, r#"log "ON" exactly 2× within [0.000010s, 0.000020s]"#);
    }

    #[test]
    fn regex_matches_the_formatted_line() {
        let exp = Expectation {
            target: Target::Log(Matcher::Regex(Regex::new(r"^I/user\.t Count: \d+$").unwrap())),
            count: Count { min: 1, max: u64::MAX },
            from: 0,
            until: Micros::MAX,
            implicit: false,
        };
        let mut c = Check::new(exp);
        c.observe(&log(1, "Count: 7"));
        assert!(c.outcome(&Stats::default()).passed);
    }
}
