//! What `luasim check` found, as data (`--json`) and as a report for people, grouped by
//! severity.
//!
//! Findings come from the parser, the lints, the scenario runs and the reload comparison; the
//! same problem often shows up in several places (a typo the lint sees is also an error in every
//! scenario that reaches the line). `merge` folds those together so each problem is reported
//! once, at its file and line, with where else it was seen.

use luasim_core::figures::Stats;
use luasim_core::position::Position;
use luasim_core::time::{Micros, Secs};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Will fail on the device: not ready to push.
    Error,
    /// Likely a mistake, or close to a budget.
    Warning,
    /// For information.
    Info,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// ANSI colour for the label.
    fn colour(self) -> &'static str {
        match self {
            Severity::Error => "\x1b[1;31m",
            Severity::Warning => "\x1b[1;33m",
            Severity::Info => "\x1b[1;36m",
        }
    }
}

/// One problem, at a place in a script when it has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// What kind of problem (`unknown-field`, `timers`, `reload-double-fire`, ...).
    pub code: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// Scenarios in which it happened (run-time findings; `smoke` is the built-in smoke run).
    pub scenarios: Vec<String>,
    /// Device profiles it was found on (run-time findings, and lints for a `--device`).
    pub devices: Vec<String>,
    /// Virtual time of its first occurrence in the first of those scenarios.
    pub at_us: Option<Micros>,
}

impl Finding {
    pub fn new(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            code: code.to_string(),
            file: None,
            line: None,
            column: None,
            message: message.into(),
            help: None,
            notes: Vec::new(),
            scenarios: Vec::new(),
            devices: Vec::new(),
            at_us: None,
        }
    }

    pub fn at(mut self, file: &str, line: usize, column: Option<usize>) -> Finding {
        self.file = Some(file.to_string());
        self.line = Some(line);
        self.column = column;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    /// Seen in `scenario` at virtual time `at_us`.
    pub fn seen_in(mut self, scenario: &str, at_us: Option<Micros>) -> Finding {
        self.scenarios.push(scenario.to_string());
        self.at_us = at_us;
        self
    }

    /// Found on the device profile `device`.
    pub fn on(mut self, device: &str) -> Finding {
        if !self.devices.iter().any(|d| d == device) {
            self.devices.push(device.to_string());
        }
        self
    }

    /// Found by a run (a scenario or the smoke run), not by reading the scripts.
    pub fn from_run(&self) -> bool {
        !self.scenarios.is_empty()
    }

    /// `file:line:column`, as far as known (`Position`'s form, as scenario errors print it).
    pub fn location(&self) -> Option<String> {
        let file = self.file.clone()?;
        Some(Position { file, line: self.line, column: self.column }.to_string())
    }

    fn same_problem(&self, other: &Finding) -> bool {
        (self.severity, &self.code, &self.file, self.line, self.column, &self.message)
            == (other.severity, &other.code, &other.file, other.line, other.column, &other.message)
    }
}

/// Folds repeated findings together (the same problem in several scenarios or on several
/// devices) and each run finding into the finding from reading the scripts at its line, which
/// is its root cause; the folded finding keeps the worse severity, so a warning never hides an
/// error. Then orders them root cause first: what reading the scripts found (syntax, lints),
/// then what the runs found; within each, errors first, then by file and line.
pub fn merge(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::new();
    for f in findings {
        match merged.iter_mut().find(|m| m.same_problem(&f)) {
            Some(m) => {
                union(&mut m.scenarios, f.scenarios);
                union(&mut m.devices, f.devices);
            }
            None => merged.push(f),
        }
    }
    let (run, mut kept): (Vec<Finding>, Vec<Finding>) = merged.into_iter().partition(Finding::from_run);
    let statics = kept.len();
    for r in run {
        let cause = kept[..statics].iter_mut().find(|k| k.file.is_some() && k.file == r.file && k.line == r.line);
        match cause {
            Some(k) => {
                let at = r.at_us.map(|t| format!(" at {} s", Secs(t))).unwrap_or_default();
                let scenario = r.scenarios.first().map(|s| format!(" in {s}")).unwrap_or_default();
                let device = match r.devices.as_slice() {
                    [] => String::new(),
                    d => format!(" on {}", d.join(", ")),
                };
                let note = format!("seen at run time{scenario}{device}{at}: {}", r.message);
                if !k.notes.contains(&note) {
                    k.notes.push(note);
                }
                k.severity = k.severity.min(r.severity);
                union(&mut k.devices, r.devices);
            }
            None => kept.push(r),
        }
    }
    kept.sort_by(|a, b| {
        (a.from_run(), a.severity, &a.file, a.line, a.column).cmp(&(
            b.from_run(),
            b.severity,
            &b.file,
            b.line,
            b.column,
        ))
    });
    kept
}

/// Adds what `more` has that `into` lacks, in order.
fn union(into: &mut Vec<String>, more: Vec<String>) {
    for m in more {
        if !into.contains(&m) {
            into.push(m);
        }
    }
}

/// One scenario's figures from the candidate's run: which scenario, whether its own
/// expectations held, and the run's `Stats` as the simulator reports them (the heap limit is
/// the one the figures are judged against: the `--device` build's, or the scenario's).
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioFigures {
    pub name: String,
    /// The device profile it ran on.
    pub device: String,
    pub path: String,
    /// The scenario's own expectations held.
    pub expectations_held: bool,
    #[serde(flatten)]
    pub stats: Stats,
}

/// One line the device sent out (MQTT, Telegram) or logged, at a virtual time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutLine {
    pub at_us: Micros,
    /// `mqtt`, `telegram`, `log` or `error`.
    pub kind: String,
    pub text: String,
}

impl std::fmt::Display for OutLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} s  {} {}", Secs(self.at_us), self.kind, self.text)
    }
}

/// How the candidate's behaviour differs from the deployed scripts' in one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Divergence {
    pub scenario: String,
    /// Lines each version sent.
    pub deployed_lines: usize,
    pub candidate_lines: usize,
    /// The first line that differs, from each side (`None`: that side sent nothing more);
    /// both `None` when the behaviour is the same.
    pub deployed: Option<OutLine>,
    pub candidate: Option<OutLine>,
}

impl Divergence {
    pub fn same(&self) -> bool {
        self.deployed.is_none() && self.candidate.is_none()
    }
}

/// Everything `luasim check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub scripts: Vec<String>,
    /// The target build given with `--device`.
    pub device: Option<String>,
    pub scenarios_dir: Option<String>,
    /// Scenarios in the folder that have one of the scripts (run unless a script fails to
    /// parse), and those that have none (not run).
    pub scenarios_matching: usize,
    pub scenarios_skipped: usize,
    pub scenarios: Vec<ScenarioFigures>,
    pub against: Option<String>,
    pub divergences: Vec<Divergence>,
    pub findings: Vec<Finding>,
    /// Findings the scripts allow (`-- luasim: allow(code)`): not shown, counted.
    pub suppressed: Vec<Finding>,
}

impl CheckReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    /// No errors: ready to push.
    pub fn ready(&self) -> bool {
        self.count(Severity::Error) == 0
    }

    /// The report for a terminal (`colour`) or a file.
    pub fn render(&self, colour: bool) -> String {
        let paint = |code: &str, text: &str| if colour { format!("{code}{text}\x1b[0m") } else { text.to_string() };
        let mut out = String::new();
        let device = self.device.as_deref().map(|d| format!(", device {d}")).unwrap_or_default();
        let scenarios = match &self.scenarios_dir {
            Some(dir) => format!(
                ", {} of the {} scenarios in {dir} use {}",
                self.scenarios_matching,
                self.scenarios_matching + self.scenarios_skipped,
                if self.scripts.len() == 1 { "it" } else { "them" }
            ),
            None => String::new(),
        };
        let _ = writeln!(out, "luasim check: {}{device}{scenarios}\n", self.scripts.join(", "));
        for f in &self.findings {
            let label = paint(f.severity.colour(), &format!("{}[{}]", f.severity.label(), f.code));
            let place = f.location().map(|l| format!("{l}: ")).unwrap_or_default();
            let _ = writeln!(out, "{label}: {place}{}", f.message);
            let devices = match f.devices.as_slice() {
                [] => String::new(),
                d => format!(" on {}", d.join(", ")),
            };
            if let Some(first) = f.scenarios.first() {
                let at = f.at_us.map(|t| format!(" at {} s", Secs(t))).unwrap_or_default();
                let more = match f.scenarios.len() {
                    1 => String::new(),
                    n => format!(" (and {} more: {})", n - 1, f.scenarios[1..].join(", ")),
                };
                let _ = writeln!(out, "  = in scenario {first}{at}{more}{devices}");
            } else if !devices.is_empty() {
                let _ = writeln!(out, "  ={devices}");
            }
            if let Some(help) = &f.help {
                let _ = writeln!(out, "  = help: {help}");
            }
            for note in &f.notes {
                let _ = writeln!(out, "  = note: {note}");
            }
            out.push('\n');
        }
        if !self.scenarios.is_empty() {
            self.render_figures(&mut out);
        }
        if let Some(against) = self.against.as_deref().filter(|_| !self.divergences.is_empty()) {
            self.render_divergences(&mut out, against);
        }
        let (errors, warnings) = (self.count(Severity::Error), self.count(Severity::Warning));
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let verdict = if self.ready() {
            paint("\x1b[1;32m", "ready to push")
        } else {
            paint(Severity::Error.colour(), "not ready to push")
        };
        let allowed = match self.suppressed.len() {
            0 => String::new(),
            n => format!(" ({n} allowed by `-- luasim: allow` comments)"),
        };
        let _ = writeln!(out, "{verdict}: {}, {}{allowed}", plural(errors, "error"), plural(warnings, "warning"));
        out
    }

    fn render_figures(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "{:<28} {:<8} {:>9} {:>7} {:>13} {:>17} {:>13} {:>9}",
            "scenario", "device", "expect", "timers", "queue (drops)", "heap KB", "region B", "mAh/day"
        );
        for s in &self.scenarios {
            let _ = writeln!(
                out,
                "{:<28} {:<8} {:>9} {:>7} {:>13} {:>17} {:>13} {:>9.3}",
                s.name,
                s.device,
                if s.expectations_held { "held" } else { "FAILED" },
                format!("{}/{}", s.stats.timers_peak, s.stats.timer_slots),
                format!("{}/{} ({})", s.stats.queue_peak, s.stats.queue_len, s.stats.queue_drops),
                format!(
                    "{:.1}/{:.1}",
                    s.stats.heap_peak_bytes as f64 / 1024.0,
                    s.stats.heap_limit_bytes as f64 / 1024.0
                ),
                format!("{}/{}", s.stats.region_bytes, s.stats.region_limit_bytes),
                s.stats.energy.mah_per_day
            );
        }
        out.push('\n');
    }

    fn render_divergences(&self, out: &mut String, against: &str) {
        let _ = writeln!(out, "behaviour against {against} (outgoing MQTT, Telegram and log lines):");
        for d in &self.divergences {
            if d.same() {
                let _ = writeln!(out, "  {}: same {} lines", d.scenario, d.candidate_lines);
                continue;
            }
            let at = [&d.deployed, &d.candidate].into_iter().flatten().map(|l| l.at_us).min().unwrap_or(0);
            let _ = writeln!(
                out,
                "  {}: first divergence at {} s (deployed sent {} lines, candidate {})",
                d.scenario,
                Secs(at),
                d.deployed_lines,
                d.candidate_lines
            );
            let show =
                |l: &Option<OutLine>| l.as_ref().map_or_else(|| "(nothing more)".to_string(), ToString::to_string);
            let _ = writeln!(out, "      deployed:  {}", show(&d.deployed));
            let _ = writeln!(out, "      candidate: {}", show(&d.candidate));
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_folds_repeats_and_explains_runtime_errors_by_their_line() {
        let lint = Finding::new(Severity::Error, "unknown-field", "`Telegram.brodcast` is not a field").at(
            "r.lua",
            3,
            Some(10),
        );
        let runtime = |scenario: &str| {
            Finding::new(Severity::Error, "runtime-error", "attempt to call a nil value (field 'brodcast')")
                .at("r.lua", 3, None)
                .seen_in(scenario, Some(1_000_000))
        };
        let other = Finding::new(Severity::Warning, "global-leak", "x").at("r.lua", 1, Some(1));
        let merged = merge(vec![runtime("a"), lint.clone(), runtime("b"), other.clone()]);
        assert_eq!(merged.len(), 2, "{merged:#?}");
        assert_eq!(merged[0].code, "unknown-field");
        assert_eq!(
            merged[0].notes,
            ["seen at run time in a at 1.000000 s: attempt to call a nil value (field 'brodcast')"]
        );
        assert_eq!(merged[1], other);
    }

    #[test]
    fn a_run_error_folded_into_a_lint_warning_makes_it_an_error_and_static_findings_come_first() {
        let lint = Finding::new(Severity::Warning, "missing-module", "`GNSS` exists only on builds with gnss").at(
            "r.lua",
            4,
            Some(3),
        );
        let reached = Finding::new(Severity::Error, "runtime-error", "attempt to index a nil value (global 'GNSS')")
            .at("r.lua", 4, None)
            .seen_in("smoke", Some(2_000_000))
            .on("esp32c3");
        let expectation = Finding::new(Severity::Error, "expectation", "the scenario expects x").seen_in("a", None);
        let leak = Finding::new(Severity::Warning, "global-leak", "x").at("r.lua", 9, Some(1));
        let merged = merge(vec![expectation.clone(), reached, leak.clone(), lint]);
        assert_eq!(merged.len(), 3, "{merged:#?}");
        assert_eq!((merged[0].code.as_str(), merged[0].severity), ("missing-module", Severity::Error));
        assert_eq!(merged[0].devices, ["esp32c3"]);
        assert!(merged[0].notes[0].starts_with("seen at run time in smoke on esp32c3 at 2.000000 s:"), "{merged:#?}");
        assert_eq!(merged[1], leak, "static findings first, even a warning");
        assert_eq!(merged[2], expectation);
    }
}
