//! The simulator↔firmware contract (`sim/core/src/contract/`) against its committed copies: the
//! firmware's generated `contract.h` and the tables of the format docs must be exactly what the
//! contract generates (`UPDATE_CONTRACT=1` rewrites them), and the global surface the
//! cross-check scenario dumps must be what `sim/check/api/device.yaml` lists. The cross-check runs the
//! same scenario on the firmware, so the C modules are held to the same API.

use luasim_check::api::DeviceApi;
use luasim_core::c_header;
use luasim_core::contract::markdown;
use luasim_core::runtime::{self, RunOptions};
use luasim_core::scenario::{HostFiles, Scenario};
use luasim_tests::{log_lines, repo_root};
use std::collections::BTreeSet;

/// Whether this run rewrites the committed copies instead of checking them.
fn updating() -> bool {
    std::env::var_os("UPDATE_CONTRACT").is_some_and(|v| v == "1")
}

/// The lines where `committed` and `generated` differ: common head and tail cut, the rest as
/// `-`/`+` lines (at most 40 of each).
fn diff(committed: &str, generated: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (committed.lines().collect(), generated.lines().collect());
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    let mut out = format!("@@ line {} @@\n", head + 1);
    for line in old[head..old.len() - tail].iter().take(40) {
        out += &format!("-{line}\n");
    }
    for line in new[head..new.len() - tail].iter().take(40) {
        out += &format!("+{line}\n");
    }
    out
}

/// Checks (or with `UPDATE_CONTRACT=1` writes) the committed file at `path`.
fn committed_equals(path: &str, generated: &str) {
    let file = repo_root().join(path);
    if updating() {
        std::fs::write(&file, generated).unwrap_or_else(|e| panic!("writing {path}: {e}"));
        return;
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} differs from what the contract (sim/core/src/contract/) generates:\n{}\nregenerate it with `{}`",
        diff(&committed, generated),
        c_header::REGENERATE
    );
}

#[test]
fn the_committed_c_header_is_what_the_contract_generates() {
    committed_equals(c_header::PATH, &c_header::generate());
}

#[test]
fn the_docs_tables_are_what_the_contract_generates() {
    let mut filled = BTreeSet::new();
    for path in markdown::DOCS {
        let doc = std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let (generated, keys) = markdown::fill(&doc).unwrap_or_else(|e| panic!("{path}: {e}"));
        committed_equals(path, &generated);
        filled.extend(keys);
    }
    let shown = ["pack-header", "sections", "step-kinds", "arg-tags", "value-tags", "region-header", "region-tags"];
    for key in shown {
        assert!(
            filled.contains(key),
            "no document shows the contract's `{key}` table (mark it `<!-- contract:{key} -->`)"
        );
    }
}

#[test]
fn the_diff_shows_the_changed_lines() {
    assert_eq!(diff("a\nb\nc\n", "a\nB\nc\n"), "@@ line 2 @@\n-b\n+B\n");
    assert_eq!(diff("a\n", "a\nb\n"), "@@ line 2 @@\n+b\n");
}

/// The cross-check scenario that dumps the global surface (`have NAME TYPE` lines).
const SURFACE: &str = "scenarios/crosscheck/global_surface.yaml";

#[test]
fn the_surface_the_crosscheck_dumps_is_device_yaml() {
    let path = repo_root().join(SURFACE);
    let scenario = Scenario::load(&path, &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    let report = runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() }).expect("run");
    assert!(report.passed(), "{SURFACE}: {:#?}", report.outcomes);
    let have: BTreeSet<String> =
        log_lines(&report).iter().filter_map(|l| l.strip_prefix("have ")).map(String::from).collect();
    let api = DeviceApi::get();
    // What the scenario's build has: entries of other optional modules (LuatOS's) are not.
    let on_build = |e: &luasim_check::api::Entry| e.needs.as_ref().is_none_or(|m| scenario.profile.modules.contains(m));
    let mut listed = BTreeSet::new();
    for (name, entry) in api.globals.iter().filter(|(_, e)| on_build(e)) {
        listed.insert(format!("{name} {}", entry.lua_type()));
        for (field, e) in entry.fields().into_iter().flatten().filter(|(_, e)| on_build(e)) {
            listed.insert(format!("{name}.{field} {}", e.lua_type()));
        }
    }
    // The device runs Lua 5.4: on 5.3 and 5.5 builds only the device's own modules compare.
    let ours: BTreeSet<&str> = luasim_core::bindings::ALL
        .iter()
        .filter(|b| !b.simulator_only)
        .map(|b| b.name)
        .chain(["print", "sys"])
        .collect();
    let in_scope =
        |line: &&String| cfg!(feature = "lua54") || line.split([' ', '.']).next().is_some_and(|m| ours.contains(m));
    let missing: Vec<_> = listed.iter().filter(in_scope).filter(|l| !have.contains(*l)).collect();
    let unlisted: Vec<_> = have.iter().filter(in_scope).filter(|l| !listed.contains(*l)).collect();
    assert!(missing.is_empty(), "listed in sim/check/api/device.yaml but not dumped by {SURFACE}: {missing:#?}");
    assert!(unlisted.is_empty(), "dumped by {SURFACE} but not listed in sim/check/api/device.yaml: {unlisted:#?}");
}
