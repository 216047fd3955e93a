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
    if !report.devices.is_empty() {
        render_fleet(report, &mut out);
        return out;
    }
    let _ = writeln!(out, "boots      {}", s.boots);
    let _ = writeln!(out, "events     {} ({} errors)", s.events, s.errors);
    let _ = writeln!(out, "timers     peak {}/{}", s.timers_peak, s.timer_slots);
    let _ = writeln!(out, "queue      peak {}/{}, {} dropped", s.queue_peak, s.queue_len, s.queue_drops);
    let _ = write!(
        out,
        "lua heap   peak {} of {} device bytes (host: {})",
        s.heap_peak_bytes, s.heap_limit_bytes, s.host_heap_peak_bytes
    );
    if s.heap_drops > 0 {
        let _ = write!(out, ", {} messages dropped (too big for the heap)", s.heap_drops);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "region     {} of {} bytes", s.region_bytes, s.region_limit_bytes);
    if let Some(images) = &s.sleepy {
        let _ = writeln!(
            out,
            "sleepy     {} tasks' images kept, {} restored; image peak {} bytes, last {} bytes",
            images.kept, images.restored, images.peak_bytes, images.last_bytes
        );
    }
    if s.steps_missed > 0 {
        let _ =
            writeln!(out, "steps      {} missed while asleep or off (traced as `missed while ...`)", s.steps_missed);
    }
    let e = &s.energy;
    let total = s.simulated_us.max(1) as f64;
    let share = |us: u64| 100.0 * us as f64 / total;
    let _ = writeln!(
        out,
        "energy     {:.4} mAh, {:.4} mAh/day (boot {:.2}%, {} {:.2}%, light sleep {:.2}%, deep sleep {:.2}%, off {:.2}% of the time)",
        e.charge_mah,
        e.mah_per_day,
        share(e.boot_us),
        if e.radio { "awake with radio" } else { "awake" },
        share(e.active_us),
        share(e.light_sleep_us),
        share(e.deep_sleep_us),
        share(e.off_us)
    );
    if let Some(days) = s.battery_days {
        let _ = writeln!(out, "battery    lasts {days:.1} days at this rate");
    }
    if let Some(coverage) = &report.coverage {
        let files: Vec<String> = coverage
            .per_file()
            .iter()
            .map(|(file, run, total)| {
                let share = if *total == 0 { 100.0 } else { 100.0 * *run as f64 / *total as f64 };
                format!("{} {share:.1}% ({run}/{total} lines)", file.trim_start_matches("/scripts/"))
            })
            .collect();
        let _ =
            writeln!(out, "coverage   {}", if files.is_empty() { "no script lines".into() } else { files.join(", ") });
    }
    for o in &report.outcomes {
        let verdict = if o.passed { "pass" } else { "FAIL" };
        let _ = writeln!(out, "expect     {verdict} {} (seen {})", o.expectation, o.seen);
        if let Some(cause) = &o.cause {
            for line in cause.to_string().lines() {
                let _ = writeln!(out, "           {line}");
            }
        }
    }
    let _ = writeln!(out, "verdict    {}", if report.passed() { "PASS" } else { "FAIL" });
    out
}

/// A fleet's summary after its header: each device's own, then the fleet's verdict.
fn render_fleet(report: &RunReport, out: &mut String) {
    let s = &report.stats;
    let _ = writeln!(out, "fleet      {} devices, {} events ({} errors)", report.devices.len(), s.events, s.errors);
    for device in &report.devices {
        let _ = writeln!(out, "--- device {}", device.scenario);
        out.push_str(&render(device, None));
    }
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "verdict    {} (fleet)", if report.passed() { "PASS" } else { "FAIL" });
}
