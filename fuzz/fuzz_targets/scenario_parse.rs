//! Fuzzes the scenario parser: any text, as a scenario file with inline scripts, either loads
//! or gives a `ScenarioError`, never a panic, and never reads the host's disk (script folders
//! and `write: { file: ... }` resolve against an empty file set). A scenario that loads is
//! within the input limits (`docs/security.md`, Limits): at most a million steps, config keys of at most
//! 32 parts, an event budget of at least one; run with `-rss_limit_mb=1024` so that an input
//! whose aliases expand past the YAML budget shows up as an out-of-memory finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use luasim_core::scenario::{Action, Embedded, Scenario};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Scenario::parse(text, "fuzz.yaml", Path::new("."), &Embedded(&[])) {
        Ok(scenario) => {
            let setup = scenario.setup();
            assert!(setup.steps.windows(2).all(|w| w[0].at <= w[1].at), "steps are sorted");
            assert!(setup.steps.len() <= 1_000_000, "{} steps", setup.steps.len());
            for step in &setup.steps {
                if let Action::Config { path, .. } = &step.action {
                    assert!(path.split('.').count() <= 32, "config key {path}");
                }
            }
            assert!(setup.max_events >= 1);
        }
        Err(err) => assert!(err.to_string().starts_with("fuzz.yaml")),
    }
});
