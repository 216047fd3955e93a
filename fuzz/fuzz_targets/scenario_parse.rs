//! Fuzzes the scenario parser: any text, as a scenario file with inline scripts, either loads
//! or gives a `ScenarioError`, never a panic, and never reads the host's disk (script folders
//! and `write: { file: ... }` resolve against an empty file set).
#![no_main]

use libfuzzer_sys::fuzz_target;
use luasim::scenario::{Embedded, Scenario};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Scenario::parse(text, "fuzz.yaml", Path::new("."), &Embedded(&[])) {
        Ok(scenario) => {
            let setup = scenario.setup();
            assert!(setup.steps.windows(2).all(|w| w[0].at <= w[1].at), "steps are sorted");
        }
        Err(err) => assert!(err.to_string().starts_with("fuzz.yaml")),
    }
});
