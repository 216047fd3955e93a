//! The Lua this workspace builds is the device's: the start-up self-check passes, and the probe
//! scenario (`scenarios/crosscheck/device_lua_build.yaml`, cross-checked against the firmware)
//! sees what the self-check holds the build to. `ci/install-check.sh` proves the same for
//! `cargo install --path` and `--git` builds, and that a build with other defines refuses to run.

use luasim_core::runtime::device_lua::{observe, self_check};
use luasim_core::runtime::{self, RunOptions};
use luasim_core::scenario::{HostFiles, Scenario};
use std::path::Path;

#[test]
fn this_build_passes_the_self_check() {
    self_check().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn the_probe_scenario_sees_what_the_self_check_sees() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/crosscheck/device_lua_build.yaml");
    let scenario = Scenario::load(&path, &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    let report = runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() }).expect("run");
    let lines: Vec<String> = report.events.iter().filter_map(|e| e.log_line()).collect();
    let seen = observe().expect("probe");
    let pairs = format!("I/lua pairs: {}", seen.pairs_order);
    let sort = format!("I/lua sort: {}", seen.sort_order);
    // Lua 5.3 and 5.5 draw a new string-hash seed per state (README, "Determinism").
    if cfg!(feature = "lua54") {
        assert!(lines.contains(&pairs), "{lines:#?}");
    }
    assert!(lines.contains(&sort), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("I/lua pcall depth: ")), "{lines:#?}");
}
