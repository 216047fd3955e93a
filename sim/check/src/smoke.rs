//! The built-in smoke run: every candidate is executed, even when no scenario uses it.
//!
//! The device boots with the candidates in place (`/scripts/<name>`, or where `--as` says) and
//! idles for a window (10 virtual minutes unless `--smoke-for` says otherwise) with no inputs
//! and no configuration, under every budget a scenario run has: watchdog, heap, timers, queue,
//! sleep region and "no errors". It catches what breaks at boot and in idle time: a main chunk
//! that never returns, a timer storm, a store too big for the sleep region, a task that fails
//! on its first round, an optional module the build lacks.
//!
//! The firmware boots `main.lua` and, when it returns, runs `rules.lua`. When the candidates
//! have no `main.lua`, the smoke run gives the device the smallest one the firmware accepts:
//! a file that returns at once, like the boiler example's setup part, so the firmware goes on
//! to `rules.lua`. It must not call `sys.run()`: that never returns, and the firmware would
//! never reach `rules.lua` (a `rules.lua` built on `sys` tasks calls `sys.run()` itself).

use luasim_core::profile::Profile;
use luasim_core::project::UserModules;
use luasim_core::scenario::{Embedded, Scenario};
use luasim_core::time::Micros;
use luasim_core::vfs::MAIN_SCRIPT;
use std::path::Path;
use std::sync::Arc;

/// The smoke run's scenario name in findings.
pub const NAME: &str = "smoke";

/// Ten virtual minutes.
pub const DEFAULT_WINDOW: Micros = 10 * 60 * 1_000_000;

/// The `main.lua` the smoke run boots when the candidates bring none.
pub const MINIMAL_MAIN: &str =
    "-- luasim check's smoke run: no main.lua among the candidates. This one returns at once,\n\
-- so the firmware goes on to run /scripts/rules.lua (a main.lua calling sys.run() never would).\n";

/// The smoke run on `profile` with the project's own `modules` for `files` (device path,
/// source) over `window`.
pub fn scenario(
    files: &[(String, Vec<u8>)],
    profile: &Profile,
    modules: &Arc<UserModules>,
    window: Micros,
) -> Scenario {
    let yaml = format!(
        "name: {NAME}\nabout: boot and idle with no inputs\ndevice: {}\nduration: 1s\nscripts:\n  main.lua: ''\n",
        profile.name
    );
    let mut s = Scenario::parse(&yaml, "(the built-in smoke run)", Path::new("."), &Embedded(&[]))
        .expect("the smoke run's scenario is valid for every built-in profile");
    s.profile = profile.clone();
    s.modules = modules.clone();
    s.duration = window;
    s.files.write(MAIN_SCRIPT, MINIMAL_MAIN.as_bytes().to_vec());
    for (path, source) in files {
        s.files.write(path, source.clone());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use luasim_core::runtime::{run, RunOptions};

    #[test]
    fn the_minimal_main_lets_the_firmware_run_rules_lua() {
        let profile = Profile::built_in("esp32").unwrap();
        let rules = ("/scripts/rules.lua".to_string(), b"print('rules ran')".to_vec());
        let report = run(
            &scenario(&[rules], &profile, &Arc::default(), 60_000_000),
            &RunOptions { keep_events: true, ..RunOptions::default() },
        )
        .unwrap();
        assert!(report.events.iter().any(|e| e.log_line().is_some_and(|l| l.contains("rules ran"))));
        assert_eq!(report.stats.simulated_us, 60_000_000);
        assert!(report.passed());
    }
}
