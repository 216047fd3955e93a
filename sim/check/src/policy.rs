//! A team's policy for `luasim check`: findings its scripts allow with a comment, and the
//! severity a code carries (`--deny CODE` makes it an error, `--warn CODE` a warning).
//!
//! Comments, in the script the finding is in:
//! - `-- luasim: allow(global-leak) RULES_VERSION is read by main.lua` allows those codes on its
//!   own line; a comment alone on its line allows them on the next line too;
//! - `-- luasim: allow-file(global-leak) reason` in the comments that open the file (before
//!   its first line of code) allows them in the whole file.
//!
//! Several codes go comma-separated; the text after `)` is the reason. Allowed findings are
//! not shown but counted in the summary (and carried as suppressed in JSON and SARIF).
//! What breaks a device (a run-time error, the watchdog, the heap, the sleep region, timers,
//! the queue) cannot be allowed or lowered: that is the gate's whole point.

use super::report::{Finding, Severity};

/// Codes whose findings say a device fails: never allowed, never lowered to a warning.
pub const BREAKS_DEVICE: &[&str] = &["runtime-error", "watchdog", "heap", "sleep-region", "timers", "queue", "syntax"];

/// Codes the check itself gives, besides the lints' (`lints::ALL`).
pub const CHECK_CODES: &[&str] = &[
    "syntax",
    "runtime-error",
    "watchdog",
    "heap",
    "sleep-region",
    "timers",
    "queue",
    "energy",
    "expectation",
    "error-log",
    "reload-double-fire",
    "reload-behaviour",
    "no-scenarios",
    "not-run",
    "candidate-overwritten",
    "lint-skipped",
    "allow-ignored",
];

/// Every code a finding can carry.
pub fn known_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = super::lints::ALL.iter().map(|l| l.code()).collect();
    for code in CHECK_CODES {
        if !codes.contains(code) {
            codes.push(code);
        }
    }
    codes
}

/// Severity overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct Severities {
    /// Codes whose findings are errors (`--deny`).
    pub deny: Vec<String>,
    /// Codes whose findings are warnings (`--warn`).
    pub warn: Vec<String>,
}

impl Severities {
    /// The first code that is unknown, or that `--warn` would lower although it breaks a device.
    pub fn invalid(&self) -> Option<(String, String)> {
        let known = known_codes();
        for code in self.deny.iter().chain(&self.warn) {
            if !known.contains(&code.as_str()) {
                let hint = luasim_core::suggest::nearest_name(code, known.iter().copied())
                    .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                return Some((code.clone(), format!("unknown finding code{hint}; known: {}", known.join(", "))));
            }
        }
        self.warn
            .iter()
            .find(|c| BREAKS_DEVICE.contains(&c.as_str()))
            .map(|c| (c.clone(), "it says a device fails, so it stays an error".to_string()))
    }

    fn apply(&self, mut f: Finding) -> Finding {
        if self.deny.contains(&f.code) {
            f.severity = Severity::Error;
        } else if self.warn.contains(&f.code) && f.severity == Severity::Error {
            f.severity = Severity::Warning;
        }
        f
    }
}

/// What one script's comments allow.
#[derive(Debug, Default, PartialEq)]
pub struct Allowed {
    file: Vec<String>,
    /// (1-based line, code).
    lines: Vec<(usize, String)>,
    /// Allows that name a code that cannot be allowed: (line, code).
    ignored: Vec<(usize, String)>,
}

impl Allowed {
    /// Reads the `-- luasim: allow...` comments of a script.
    pub fn read(source: &[u8]) -> Allowed {
        let text = String::from_utf8_lossy(source);
        let mut out = Allowed::default();
        let mut in_header = true;
        for (i, line) in text.lines().enumerate() {
            let number = i + 1;
            let trimmed = line.trim_start();
            let alone = trimmed.starts_with("--");
            if !alone && !trimmed.is_empty() {
                in_header = false;
            }
            let Some(at) = line.find("-- luasim:") else { continue };
            let directive = line[at + "-- luasim:".len()..].trim_start();
            let (whole_file, rest) = match directive.strip_prefix("allow-file(") {
                Some(rest) => (true, rest),
                None => match directive.strip_prefix("allow(") {
                    Some(rest) => (false, rest),
                    None => continue,
                },
            };
            let Some((codes, _reason)) = rest.split_once(')') else { continue };
            for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                if BREAKS_DEVICE.contains(&code) {
                    out.ignored.push((number, code.to_string()));
                } else if whole_file && in_header {
                    out.file.push(code.to_string());
                } else if !whole_file {
                    out.lines.push((number, code.to_string()));
                    if alone {
                        out.lines.push((number + 1, code.to_string()));
                    }
                } else {
                    out.ignored.push((number, code.to_string()));
                }
            }
        }
        out
    }

    fn allows(&self, f: &Finding) -> bool {
        self.file.contains(&f.code) || f.line.is_some_and(|l| self.lines.iter().any(|(n, c)| *n == l && *c == f.code))
    }
}

/// Applies the policy to `findings`: returns (kept, allowed). `scripts` are (host name, what its
/// comments allow). Allows that cannot take effect become warnings of their own.
pub fn apply(
    findings: Vec<Finding>,
    scripts: &[(String, Allowed)],
    severities: &Severities,
) -> (Vec<Finding>, Vec<Finding>) {
    let (mut kept, mut allowed) = (Vec::new(), Vec::new());
    for (host, a) in scripts {
        for (line, code) in &a.ignored {
            let why = if BREAKS_DEVICE.contains(&code.as_str()) {
                format!("`{code}` says a device fails and cannot be allowed")
            } else {
                "allow-file(...) counts only in the comments that open the file".to_string()
            };
            kept.push(
                Finding::new(Severity::Warning, "allow-ignored", format!("this allow has no effect: {why}"))
                    .at(host, *line, None),
            );
        }
    }
    for f in findings {
        let by_comment = scripts.iter().any(|(host, a)| f.file.as_deref() == Some(host.as_str()) && a.allows(&f));
        if by_comment && !BREAKS_DEVICE.contains(&f.code.as_str()) {
            allowed.push(f);
        } else {
            kept.push(severities.apply(f));
        }
    }
    (kept, allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leak(line: usize) -> Finding {
        Finding::new(Severity::Warning, "global-leak", "x").at("r.lua", line, Some(1))
    }

    #[test]
    fn line_and_file_allows_take_effect_where_they_say() {
        let source = b"-- rules\n-- luasim: allow-file(unknown-global) set by main.lua\nX = 1 -- luasim: allow(global-leak) read by main.lua\n-- luasim: allow(global-leak)\nY = 2\nZ = 3\n";
        let allowed = Allowed::read(source);
        let scripts = [("r.lua".to_string(), allowed)];
        let findings = vec![
            leak(3),
            leak(5),
            leak(6),
            Finding::new(Severity::Warning, "unknown-global", "g").at("r.lua", 6, None),
        ];
        let (kept, allowed) = apply(findings, &scripts, &Severities::default());
        assert_eq!(allowed.len(), 3, "{allowed:#?}");
        assert_eq!(kept, [leak(6)]);
    }

    #[test]
    fn device_failures_cannot_be_allowed_or_lowered() {
        let source = b"local t = {} -- luasim: allow(heap)\n";
        let scripts = [("r.lua".to_string(), Allowed::read(source))];
        let heap = Finding::new(Severity::Error, "heap", "out of memory").at("r.lua", 1, None);
        let (kept, allowed) = apply(vec![heap.clone()], &scripts, &Severities::default());
        assert!(allowed.is_empty());
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].code, "allow-ignored");
        let lower = Severities { warn: vec!["heap".into()], ..Severities::default() };
        assert!(lower.invalid().is_some());
        let typo = Severities { deny: vec!["global-leek".into()], ..Severities::default() };
        assert!(typo.invalid().expect("unknown").1.contains("did you mean `global-leak`?"));
    }

    #[test]
    fn deny_makes_a_warning_an_error() {
        let deny = Severities { deny: vec!["global-leak".into()], ..Severities::default() };
        let (kept, _) = apply(vec![leak(2)], &[], &deny);
        assert_eq!(kept[0].severity, Severity::Error);
    }
}
