//! The check's report for CI: GitHub Actions workflow commands (`--format github`, one
//! `::error file=...,line=...::message` annotation per finding) and SARIF 2.1.0
//! (`--format sarif`, for code scanning), both from the same findings as the human report.

use super::report::{CheckReport, Finding, Severity};
use luasim_core::time::Secs;
use serde_json::{json, Value};

/// The finding's whole text on one line: message, where it was seen, help and notes.
fn full_text(f: &Finding) -> String {
    let mut text = f.message.clone();
    if let Some(first) = f.scenarios.first() {
        let at = f.at_us.map(|t| format!(" at {} s", Secs(t))).unwrap_or_default();
        text.push_str(&format!(" (in scenario {first}{at}"));
        if !f.devices.is_empty() {
            text.push_str(&format!(" on {}", f.devices.join(", ")));
        }
        text.push(')');
    } else if !f.devices.is_empty() {
        text.push_str(&format!(" (for {})", f.devices.join(", ")));
    }
    if let Some(help) = &f.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    for note in &f.notes {
        text.push_str(&format!("\nnote: {note}"));
    }
    text
}

/// A workflow command's message: `%`, CR and LF escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions annotations, one line per finding, then the verdict as a plain line.
pub fn github(report: &CheckReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(file) = &f.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = f.line {
            properties.push(format!("line={line}"));
        }
        if let Some(column) = f.column {
            properties.push(format!("col={column}"));
        }
        properties.push(format!("title={}", escape_property(&format!("luasim check: {}", f.code))));
        out.push_str(&format!("::{command} {}::{}\n", properties.join(","), escape_data(&full_text(f))));
    }
    let verdict = if report.ready() { "ready to push" } else { "not ready to push" };
    out.push_str(&format!(
        "luasim check: {verdict}: {} errors, {} warnings, {} allowed\n",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.suppressed.len()
    ));
    out
}

/// A file name as a SARIF artifact URI: relative paths stay relative (to the folder the check
/// ran in), absolute ones become `file://` URIs; characters a URI cannot hold are escaped.
fn artifact_uri(path: &str) -> String {
    let mut escaped = String::new();
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => escaped.push(b as char),
            other => escaped.push_str(&format!("%{other:02X}")),
        }
    }
    if escaped.starts_with('/') {
        format!("file://{escaped}")
    } else {
        escaped
    }
}

fn sarif_result(f: &Finding, rules: &[String], suppressed: bool) -> Value {
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let mut result = json!({
        "ruleId": f.code,
        "ruleIndex": rules.iter().position(|r| *r == f.code).unwrap_or(0),
        "level": level,
        "message": { "text": full_text(f) },
    });
    if let Some(file) = &f.file {
        let mut region = serde_json::Map::new();
        if let Some(line) = f.line {
            region.insert("startLine".into(), json!(line));
            if let Some(column) = f.column {
                region.insert("startColumn".into(), json!(column));
            }
        }
        let mut physical = json!({ "artifactLocation": { "uri": artifact_uri(file) } });
        if !region.is_empty() {
            physical["region"] = Value::Object(region);
        }
        result["locations"] = json!([{ "physicalLocation": physical }]);
    }
    if !f.scenarios.is_empty() || !f.devices.is_empty() {
        result["properties"] = json!({ "scenarios": f.scenarios, "devices": f.devices, "atMicros": f.at_us });
    }
    if suppressed {
        result["suppressions"] =
            json!([{ "kind": "inSource", "justification": "-- luasim: allow(...) in the script" }]);
    }
    result
}

/// The report as a SARIF 2.1.0 log: one run of the `luasim` driver, a rule per finding code,
/// a result per finding (allowed ones carry an in-source suppression).
pub fn sarif(report: &CheckReport) -> Value {
    let mut rules: Vec<String> = Vec::new();
    for f in report.findings.iter().chain(&report.suppressed) {
        if !rules.contains(&f.code) {
            rules.push(f.code.clone());
        }
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| sarif_result(f, &rules, false))
        .chain(report.suppressed.iter().map(|f| sarif_result(f, &rules, true)))
        .collect();
    let rule_objects: Vec<Value> = rules
        .iter()
        .map(|r| json!({ "id": r, "name": r, "shortDescription": { "text": format!("luasim check finding `{r}`") } }))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "luasim",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_objects,
            }},
            "results": results,
            "properties": { "ready": report.ready() },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_what_the_workflow_commands_reserve() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("50% done\r\nx"), "50%25 done%0D%0Ax");
        assert_eq!(artifact_uri("tests/check/a b.lua"), "tests/check/a%20b.lua");
        assert_eq!(artifact_uri("/tmp/r.lua"), "file:///tmp/r.lua");
    }
}
