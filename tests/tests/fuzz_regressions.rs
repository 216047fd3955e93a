//! Inputs the fuzz targets (`fuzz/`, `docs/fuzzing.md`) found problems with, kept in the
//! default test run with the property each target asserts.

use luasim_core::scenario::{HostFiles, Scenario};
use luasim_core::trace::Event;
use luasim_tests::*;
use std::path::Path;

/// `trace_json` found a loaded trace whose event printed over two lines: a script path with a
/// newline (boot causes, error sources and end reasons had the same gap).
#[test]
fn every_event_of_a_loaded_trace_prints_as_one_line() {
    let json = r#"[
        {"at_us": 0, "tick": 0, "kind": "boot", "profile": "esp\n32", "tick_hz": 100, "cause": "power\non", "generation": 1, "region": "empty\n0"},
        {"at_us": 1, "tick": 0, "kind": "script", "path": "/scripts/a\nb.lua", "bytes": 1},
        {"at_us": 2, "tick": 0, "kind": "sleep", "mode": "deep\n", "ms": null},
        {"at_us": 3, "tick": 0, "kind": "error", "what": "callback\nx", "message": "m"},
        {"at_us": 4, "tick": 0, "kind": "end", "reason": "done\r\n"}
    ]"#;
    let events: Vec<Event> = serde_json::from_str(json).unwrap();
    for event in &events {
        assert!(!event.to_string().contains(['\n', '\r']), "{event:?}");
    }
}

/// The same gap reached from a scenario: a module whose file name holds a newline, and an
/// EventBus event name with one whose callback fails.
#[test]
fn names_with_newlines_from_scripts_keep_one_event_per_line() {
    let r = run_yaml(
        r#"
name: newline_names
device: { profile: esp32, tick_hz: 1000, boot_ms: 1 }
duration: 2s
steps:
  - { at: 1s, event: { name: "a\nb" } }
expect:
  - error: "callback EventBus a\nb"
scripts:
  main.lua: |
    require("odd\nname")
    EventBus.subscribe("a\nb", function() error("boom") end)
  "odd\nname.lua": print("loaded")
"#,
    );
    assert!(r.passed(), "{}", trace_text(&r));
    assert_eq!(trace_text(&r).lines().count(), r.events.len());
    assert!(trace_text(&r).contains("script   /scripts/odd\\nname.lua"));
}

/// `scenario_parse` found that deeply nested flow collections take the YAML parser time that
/// grows with depth times length (40,000 levels: seconds); they are refused before parsing.
#[test]
fn deeply_nested_flow_collections_are_refused_before_parsing() {
    let yaml = format!(
        "name: deep\ndevice: esp32\nscripts: {{ main.lua: \"\" }}\nduration: 1s\nconfig: {}x{}\n",
        "{a: ".repeat(40_000),
        "}".repeat(40_000)
    );
    let err = Scenario::parse(&yaml, "deep.yaml", Path::new("."), &HostFiles).unwrap_err();
    assert_eq!(err.to_string(), "deep.yaml:5:1033: `[` and `{` nested deeper than 256 levels");
}
