//! Every scenario in `scenarios/` as a reviewed snapshot: its trace (long traces as a digest
//! with a hash of the whole) and its summary without wall time. A scenario that fails to load
//! or to pass is snapshotted as what it printed, never a panic inside the glob; the bundled
//! library must pass, and each run twice must give byte-identical output.

use luasim_core::runtime::{self, RunOptions};
use luasim_core::scenario::{HostFiles, Scenario};
use luasim_core::summary;
use std::path::Path;

/// Traces longer than this are stored as head, tail and a hash.
const FULL_TRACE_LINES: usize = 3_000;
const HEAD_LINES: usize = 1_000;
const TAIL_LINES: usize = 200;

/// FNV-1a, 64 bit: a stable fingerprint of a long trace.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

fn digest(trace: &str) -> String {
    let lines: Vec<&str> = trace.lines().collect();
    if lines.len() <= FULL_TRACE_LINES {
        return trace.to_string();
    }
    let omitted = lines.len() - HEAD_LINES - TAIL_LINES;
    let mut out: String = lines[..HEAD_LINES].iter().map(|l| format!("{l}\n")).collect();
    out.push_str(&format!(
        "... {omitted} lines omitted; whole trace: {} lines, fnv1a64 {:016x}\n",
        lines.len(),
        fnv1a(trace)
    ));
    out.extend(lines[lines.len() - TAIL_LINES..].iter().map(|l| format!("{l}\n")));
    out
}

/// What `luasim run` would show for `path`, minus wall time; and whether it passed.
fn output_of(path: &Path) -> (String, bool) {
    let scenario = match Scenario::load(path, &HostFiles) {
        Ok(s) => s,
        Err(e) => return (format!("error: {e}\n"), false),
    };
    match runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() }) {
        Ok(report) => {
            let trace: String = report.events.iter().map(|e| format!("{e}\n")).collect();
            (format!("{}\n{}", digest(&trace), summary::render(&report, None)), report.passed())
        }
        Err(e) => (format!("error: {e}\n"), false),
    }
}

#[test]
#[cfg_attr(
    any(feature = "lua53", feature = "lua55"),
    ignore = "the snapshots record Lua 5.4, the device's Lua: heap figures differ on 5.3 and 5.5, and 5.3 cannot fix its string-hash seed"
)]
fn scenarios_match_their_snapshots() {
    let mut failed = Vec::new();
    insta::glob!("../../scenarios", "*.yaml", |path| {
        let (first, passed) = output_of(path);
        let (second, _) = output_of(path);
        assert!(first == second, "{}: two runs gave different output", path.display());
        if !passed {
            failed.push(path.display().to_string());
        }
        insta::assert_snapshot!(first);
    });
    assert!(failed.is_empty(), "bundled scenarios must pass: {failed:?}");
}

#[test]
fn long_traces_are_digested_with_a_hash() {
    let trace: String = (0..5_000).map(|i| format!("line {i}\n")).collect();
    let d = digest(&trace);
    assert_eq!(d.lines().count(), HEAD_LINES + 1 + TAIL_LINES);
    assert!(d.contains("3800 lines omitted; whole trace: 5000 lines, fnv1a64 "));
    assert_ne!(digest(&trace.replace("line 2500", "line X")), d, "a change in the middle shows in the hash");
}
