//! The human-readable run summary printed after a trace.
//!
//! Everything but the optional wall-time line is deterministic, so the summary without wall
//! time can be snapshotted next to the trace.

use crate::runtime::RunReport;
use crate::time::{Secs, MICROS_PER_SEC};
use std::fmt::Write;
use std::time::Duration;

/// Renders the summary; `wall` adds the wall-clock time and the simulated/wall ratio.
pub fn render(report: &RunReport, wall: Option<Duration>) -> String {
    let s = &report.stats;
    let mut out = String::new();
    let _ = writeln!(out, "scenario   {}", report.scenario);
    let _ = writeln!(out, "simulated  {} s ({})", Secs(s.simulated_us), s.end_reason);
    if let Some(wall) = wall {
        let ratio = s.simulated_us as f64 / MICROS_PER_SEC as f64 / wall.as_secs_f64().max(1e-9);
        let _ = writeln!(out, "wall       {:.3} s ({:.0}x real time)", wall.as_secs_f64(), ratio);
    }
    let _ = writeln!(out, "boots      {}", s.boots);
    let _ = writeln!(out, "events     {} ({} errors)", s.events, s.errors);
    let _ = writeln!(out, "timers     peak {}/{}", s.timers_peak, s.timer_slots);
    let _ = writeln!(out, "queue      peak {}/{}, {} dropped", s.queue_peak, s.queue_len, s.queue_drops);
    let _ = writeln!(out, "lua heap   peak {} of {} bytes", s.heap_peak_bytes, s.heap_limit_bytes);
    for o in &report.outcomes {
        let verdict = if o.passed { "pass" } else { "FAIL" };
        let _ = writeln!(out, "expect     {verdict} {} (seen {})", o.expectation, o.seen);
    }
    let _ = writeln!(out, "verdict    {}", if report.passed() { "PASS" } else { "FAIL" });
    out
}
