//! JUnit XML (`testsuites/testsuite/testcase/failure|error`), the layout CI systems read:
//! one test case per scenario, one failure per failed expectation, with what caused it when a
//! line says (the first error, or the nearest miss of an expected line), and for a failed
//! scenario the last lines of its trace as `<system-out>`.

use crate::suite::{SuiteEntry, Verdict};
use std::fmt::Write;

/// Escapes text for an XML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The suite as JUnit XML. `suite` names the test suite (e.g. the scenario folder).
pub fn render(suite: &str, entries: &[SuiteEntry]) -> String {
    let failures = entries.iter().filter(|e| e.verdict() == Verdict::Fail).count();
    let errors = entries.iter().filter(|e| e.verdict() == Verdict::Error).count();
    let total: f64 = entries.iter().map(|e| e.wall.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total:.3}\">",
        entries.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total:.3}\">",
        escape(suite),
        entries.len()
    );
    for e in entries {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3}\"",
            escape(&e.name),
            escape(suite),
            escape(&e.path),
            e.wall.as_secs_f64()
        );
        match &e.result {
            Ok(report) if report.passed() => out.push_str("/>\n"),
            Ok(report) => {
                out.push_str(">\n");
                for o in report.outcomes.iter().filter(|o| !o.passed) {
                    let mut message = format!("expected {} (seen {})", o.expectation, o.seen);
                    match &o.cause {
                        None => {
                            let _ =
                                writeln!(out, "      <failure message=\"{}\" type=\"expectation\"/>", escape(&message));
                        }
                        // The message gets the cause's first line; the body all of it, the
                        // traceback on real lines.
                        Some(cause) => {
                            let text = cause.to_string();
                            let _ = write!(message, "; {}", text.lines().next().unwrap_or_default());
                            let _ = writeln!(
                                out,
                                "      <failure message=\"{}\" type=\"expectation\">{}</failure>",
                                escape(&message),
                                escape(&text)
                            );
                        }
                    }
                }
                if !report.tail.is_empty() {
                    let text = report.tail.join("\n");
                    let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&text));
                }
                out.push_str("    </testcase>\n");
            }
            Err(message) if e.verdict() == Verdict::Skip => {
                let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", escape(message));
            }
            Err(message) => {
                let _ = writeln!(
                    out,
                    ">\n      <error message=\"{}\" type=\"scenario\"/>\n    </testcase>",
                    escape(message)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;&#x1;");
    }
}
