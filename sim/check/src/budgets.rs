//! Step four: the device's budgets, judged from a scenario run with the candidate scripts.
//!
//! Timers (a refused 65th timer), the queue (drops), the Lua heap (running out of it: with
//! `--device` the runs get that build's heap, and since the collector keeps a script within
//! whatever heap it has, only running out says the live data does not fit), the 16 KB sleep
//! region (a refused `RTC.set`, or nearly full), the watchdog, errors in scripts, tasks and
//! callbacks, charge per day against `--max-mah-per-day`, and the scenario's own expectations.
//! Each finding names the budget and, when the trace shows one, the script line.

use super::report::{Finding, ScenarioFigures, Severity};
use luasim_core::expect::Target;
use luasim_core::runtime::{luatos, RunReport};
use luasim_core::scenario::Scenario;
use luasim_core::time::Micros;
use luasim_core::trace::{EventKind, Level, RejectReason};
use regex::Regex;
use std::sync::OnceLock;

/// Close to a budget: more than this share of it in use.
const NEAR: f64 = 0.8;

/// What a run is judged against.
pub struct Limits<'a> {
    /// The target build (`--device`), whose heap the runs had.
    pub device: Option<&'a str>,
    pub max_mah_per_day: Option<f64>,
}

/// `(device path, line)` of the first script frame an error message names.
pub fn script_location(text: &str) -> Option<(String, usize)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(/scripts/[^\s:'\x22]+):(\d+)").expect("valid regex"));
    let c = re.captures(text)?;
    Some((c[1].to_string(), c[2].parse().ok()?))
}

/// The first line of an error message, without its own `file:line: ` prefix.
pub fn error_text(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    match script_location(first) {
        Some((path, line)) => first.replacen(&format!("{path}:{line}: "), "", 1),
        None => first.to_string(),
    }
}

/// A finding placed at the script line `text` names, with `file` mapping device paths to the
/// names the user knows.
pub fn located(finding: Finding, text: &str, file: &dyn Fn(&str) -> String) -> Finding {
    match script_location(text) {
        Some((path, line)) => finding.at(&file(&path), line, None),
        None => finding,
    }
}

/// Figures and findings of one scenario's candidate run.
pub fn judge(
    scenario: &Scenario,
    run: &RunReport,
    limits: &Limits<'_>,
    file: &dyn Fn(&str) -> String,
) -> (ScenarioFigures, Vec<Finding>) {
    let stats = &run.stats;
    let heap = format!(
        "the {:.1} KB Lua heap of {}",
        kb(stats.heap_limit_bytes),
        limits.device.unwrap_or(&scenario.profile.name)
    );
    let figures = ScenarioFigures {
        name: scenario.name.clone(),
        device: scenario.profile.name.clone(),
        path: scenario.origin.clone(),
        expectations_held: expectations(scenario, run, "").is_empty(),
        stats: stats.clone(),
    };
    let name = scenario.name.as_str();
    let mut out = Vec::new();
    let expects_errors =
        scenario.devices().iter().flat_map(|d| &d.expect).any(|e| matches!(e.target, Target::Errors(_)) && !e.implicit);
    if !expects_errors {
        out.extend(errors(run, name, &heap, file));
    }
    out.extend(timers_and_queue(run, name, file));
    let near = |used: f64, of: f64| of > 0.0 && used > of * NEAR;
    if near(stats.region_bytes as f64, stats.region_limit_bytes as f64) && !failed(&out, "sleep-region") {
        out.push(Finding::new(
            Severity::Warning,
            "sleep-region",
            format!("sleep region: {} of {} bytes in use at the end", stats.region_bytes, stats.region_limit_bytes),
        ));
    }
    if let Some(max) = limits.max_mah_per_day.filter(|max| stats.energy.mah_per_day > *max) {
        out.push(Finding::new(
            Severity::Error,
            "energy",
            format!("energy: {:.3} mAh per day, over the {max} allowed (--max-mah-per-day)", stats.energy.mah_per_day),
        ));
    }
    out.extend(expectations(scenario, run, name));
    let out = out.into_iter().map(|f| if f.scenarios.is_empty() { f.seen_in(name, None) } else { f }).collect();
    (figures, out)
}

/// Whether `findings` already has an error about `budget`.
fn failed(findings: &[Finding], budget: &str) -> bool {
    findings.iter().any(|f| f.code == budget && f.severity == Severity::Error)
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1024.0
}

/// The scenario's own expectations that failed (the default "no errors" is left to `errors`).
fn expectations(scenario: &Scenario, run: &RunReport, name: &str) -> Vec<Finding> {
    // A fleet's outcomes are its devices', in device order.
    let expect = scenario.devices().iter().flat_map(|d| &d.expect);
    expect
        .zip(&run.outcomes)
        .filter(|(e, o)| !e.implicit && !o.passed)
        .map(|(_, o)| {
            Finding::new(
                Severity::Error,
                "expectation",
                format!("the scenario expects {} but saw {}", o.expectation, o.seen),
            )
            .seen_in(name, o.first_at_us)
        })
        .collect()
}

/// Errors the run recorded: the watchdog, a refused sleep-region write, out of memory, errors in
/// scripts, callbacks and tasks, the end of a LuatOS VM; error lines the scripts logged
/// themselves are warnings.
fn errors(run: &RunReport, name: &str, heap: &str, file: &dyn Fn(&str) -> String) -> Vec<Finding> {
    let mut out: Vec<(usize, Finding)> = Vec::new();
    // The last error line logged, for what ended a LuatOS VM.
    let mut last_error: Option<String> = None;
    for event in &run.events {
        let finding = match &event.kind {
            EventKind::Log { level: Level::Error, tag, text, .. }
                if tag == luatos::MAIN_TAG && text.starts_with(luatos::VM_EXIT) =>
            {
                vm_exit(last_error.take(), file)
            }
            EventKind::Error { what, message } => {
                // Where the finding goes: the first script frame the message names, or for out
                // of memory (no traceback) the line the allocator refused at.
                let mut place = message.clone();
                let (code, text) = if what == "watchdog" {
                    let text = error_text(message);
                    let text = text.rsplit_once(", at /scripts/").map_or(text.as_str(), |(before, _)| before);
                    ("watchdog", format!("watchdog: {text}"))
                } else if message.contains("sleep region") {
                    ("sleep-region", format!("sleep region: {}", error_text(message)))
                } else if message.contains("not enough memory") {
                    if let Some((_, _, line)) =
                        run.out_of_memory_at.iter().find(|(at, w, _)| *at == event.at_us && w == what)
                    {
                        place = line.clone();
                    }
                    ("heap", format!("heap: out of memory in {what}: the live data does not fit {heap}"))
                } else {
                    ("runtime-error", format!("error in {what}: {}", error_text(message)))
                };
                let f = located(Finding::new(Severity::Error, code, text), &place, file);
                match (f.file.is_none(), what.strip_prefix("script ")) {
                    // No line known: the script at least.
                    (true, Some(path)) => Finding { file: Some(file(path)), ..f },
                    _ => f,
                }
            }
            EventKind::Log { level: Level::Error, tag, text, .. }
                if tag == "user.sys" && text.starts_with("task error") =>
            {
                let detail = text.trim_start_matches("task error: ");
                let f = Finding::new(
                    Severity::Error,
                    "runtime-error",
                    format!("error in a sys task: {}", error_text(detail)),
                );
                located(f, detail, file)
            }
            EventKind::Log { level: Level::Error, text, .. } => {
                if text != luatos::REPORT_HEADER {
                    last_error = Some(text.clone());
                }
                Finding::new(
                    Severity::Warning,
                    "error-log",
                    format!("the scripts log an error: `{}`", event.log_line().unwrap_or_default()),
                )
            }
            _ => continue,
        };
        // One finding per place: the same line failing again (with other figures) is counted.
        let key =
            |f: &Finding| (f.code.clone(), f.file.clone(), f.line, f.line.map_or(f.message.clone(), |_| String::new()));
        match out.iter().position(|(_, f)| key(f) == key(&finding)) {
            Some(i) => out[i].0 += 1,
            None => out.push((1, finding.seen_in(name, Some(event.at_us)))),
        }
    }
    out.into_iter()
        .map(|(times, f)| if times > 1 { f.note(format!("{times} times in this scenario")) } else { f })
        .collect()
}

/// LuatOS's Lua VM ended (`luat_main.c`): `main.lua` failed or returned, or a task error ended
/// it; the device resets 15 s later and, on every boot, again. `cause` is the error line logged
/// before it.
fn vm_exit(cause: Option<String>, file: &dyn Fn(&str) -> String) -> Finding {
    let ended = "the Lua VM ended, so LuatOS resets the device 15 s later, at every boot";
    match cause {
        Some(cause) => {
            // A task error comes back through sys.lua's `assert(err)`, which puts its own place first.
            let cause = strip_sys_lua_place(&cause);
            let text = error_text(cause);
            located(Finding::new(Severity::Error, "runtime-error", format!("{ended}: {text}")), cause, file)
        }
        None => Finding::new(Severity::Error, "runtime-error", format!("{ended}: main.lua returned"))
            .help("end main.lua with `sys.run()`, which keeps the VM running"),
    }
}

/// `message` without a leading `sys.lua:N: `.
fn strip_sys_lua_place(message: &str) -> &str {
    let Some(rest) = message.strip_prefix("sys.lua:") else { return message };
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    match rest[digits..].strip_prefix(": ") {
        Some(after) if digits > 0 => after,
        _ => message,
    }
}

/// A refused timer (all slots busy) and dropped queue messages, with what was running then.
fn timers_and_queue(run: &RunReport, name: &str, file: &dyn Fn(&str) -> String) -> Vec<Finding> {
    let mut context = String::from("at boot");
    // (virtual time, what was running) of each refusal; (virtual time, message) of each drop.
    let mut refused: Vec<(Micros, String)> = Vec::new();
    let mut drops: Vec<(Micros, String)> = Vec::new();
    // The script line of the first refusal and the first drop, when a binding call made them.
    let (mut refused_at, mut dropped_at) = (None, None);
    let line_of = |index: usize| run.call_lines.iter().find(|(n, _)| *n == index as u64).map(|(_, l)| l.clone());
    for (index, event) in run.events.iter().enumerate() {
        match &event.kind {
            EventKind::Script { path, .. } => context = format!("while running {path}"),
            EventKind::Callback { what, .. } => context = format!("in the callback {what}"),
            EventKind::TimerReject { reason: RejectReason::NoFreeSlot, .. } => {
                if refused.is_empty() {
                    refused_at = line_of(index);
                }
                refused.push((event.at_us, context.clone()))
            }
            EventKind::QueueDrop { message, .. } => {
                if drops.is_empty() {
                    dropped_at = line_of(index);
                }
                drops.push((event.at_us, message.clone()))
            }
            _ => {}
        }
    }
    let place = |f: Finding, line: &Option<String>| match line {
        Some(line) => located(f, line, file),
        None => f,
    };
    let stats = &run.stats;
    let mut out = Vec::new();
    if let Some((at, context)) = refused.first() {
        out.push(place(
            Finding::new(
                Severity::Error,
                "timers",
                format!(
                    "timers: timer number {} was refused {context}: all {} rtos timer slots were busy ({} refusal{} in all)",
                    stats.timer_slots + 1,
                    stats.timer_slots,
                    refused.len(),
                    if refused.len() == 1 { "" } else { "s" }
                ),
            )
            .help("stop timers you no longer need (sys.timerStop), or share one periodic timer")
            .seen_in(name, Some(*at)),
            &refused_at,
        ));
    } else if stats.timers_peak as f64 > stats.timer_slots as f64 * NEAR {
        out.push(Finding::new(
            Severity::Warning,
            "timers",
            format!("timers: {} of the {} rtos timer slots busy at the peak", stats.timers_peak, stats.timer_slots),
        ));
    }
    if let Some((at, message)) = drops.first() {
        out.push(place(
            Finding::new(
                Severity::Error,
                "queue",
                format!(
                    "queue: {} message{} dropped because the {}-message rtos queue was full (first: {message})",
                    drops.len(),
                    if drops.len() == 1 { "" } else { "s" },
                    stats.queue_len
                ),
            )
            .seen_in(name, Some(*at)),
            &dropped_at,
        ));
    } else if stats.queue_peak as f64 > stats.queue_len as f64 * NEAR {
        out.push(Finding::new(
            Severity::Warning,
            "queue",
            format!("queue: {} of {} messages waiting at the peak", stats.queue_peak, stats.queue_len),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_come_from_the_first_script_frame() {
        let message = "/scripts/rules.lua:7: attempt to call a nil value (field 'brodcast')\nstack traceback:\n\t...";
        assert_eq!(script_location(message), Some(("/scripts/rules.lua".into(), 7)));
        assert_eq!(error_text(message), "attempt to call a nil value (field 'brodcast')");
        let sys =
            "sys.lua:60: sys.wait must be called inside a task\nstack traceback:\n\t/scripts/main.lua:3: in main chunk";
        assert_eq!(script_location(sys), Some(("/scripts/main.lua".into(), 3)));
    }
}
