//! Scenario files: errors name file, line and column and say what was expected; times need
//! units; the default "no errors" expectation.

use luasim::scenario::{HostFiles, Scenario, ScenarioError};
use luasim_tests::run_yaml;
use std::path::Path;

fn parse_err(yaml: &str) -> ScenarioError {
    Scenario::parse(yaml, "s.yaml", Path::new("."), &HostFiles).expect_err("should not parse")
}

const HEAD: &str = "name: x\ndevice: esp32\nscripts:\n  main.lua: \"print(1)\"\n";

#[test]
fn durations_need_units_and_errors_point_at_the_value() {
    let e = parse_err(&format!("{HEAD}duration: 10\n"));
    assert_eq!((e.line, e.column), (Some(5), Some(11)));
    assert!(e.message.contains("`10` has no unit"), "{e}");
    let e = parse_err(&format!("{HEAD}duration: 10 parsecs\n"));
    assert_eq!(
        e.to_string(),
        "s.yaml:5:11: duration: unknown time unit `parsecs` in `10 parsecs` (units: us, ms, s, m, h, d)"
    );
}

#[test]
fn unknown_keys_list_what_is_expected() {
    let e = parse_err(&format!("{HEAD}duration: 1s\ndurashun: 3s\n"));
    assert_eq!(e.line, Some(6));
    assert!(e.message.contains("unknown field `durashun`, expected one of"), "{e}");
    let e = parse_err("name: x\ndevice: { profile: esp32, tik_hz: 10 }\nscripts: {}\nduration: 1s\n");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("unknown field `tik_hz`"), "{e}");
}

#[test]
fn unknown_profiles_name_the_built_in_ones() {
    let e = parse_err("name: x\ndevice: esp8266\nscripts: {}\nduration: 1s\n");
    assert_eq!((e.line, e.column), (Some(2), Some(9)));
    assert!(e.message.contains("unknown device profile `esp8266` (built in: esp32, esp32s3, esp32c3)"), "{e}");
}

#[test]
fn tabs_in_indentation_are_reported_where_they_are() {
    let e = parse_err("name: x\ndevice: esp32\nscripts:\n\tmain.lua: x\nduration: 1s\n");
    assert_eq!((e.line, e.column), (Some(4), Some(1)));
    assert!(e.message.contains("tab"));
}

#[test]
fn steps_and_expectations_are_validated() {
    let e = parse_err(&format!("{HEAD}duration: 1s\nsteps:\n  - at: 1s\n    publsh: [a]\n"));
    assert_eq!(e.line, Some(8));
    assert!(e.message.contains("unknown field `publsh`, expected one of `at`, `repeat`, `every`, `publish`"), "{e}");
    let e = parse_err(&format!("{HEAD}duration: 1s\nsteps:\n  - at: 1s\n    publish: [1]\n"));
    assert!(e.message.contains("needs a topic string first"), "{e}");
    let e = parse_err(&format!("{HEAD}duration: 1s\nexpect:\n  - log: a\n    never: b\n"));
    assert!(e.message.contains("exactly one of"), "{e}");
    let e = parse_err(&format!("{HEAD}duration: 1s\nexpect:\n  - log: {{ regex: \"(\" }}\n"));
    assert!(e.message.contains("bad regular expression"), "{e}");
}

#[test]
fn a_missing_main_lua_or_folder_is_an_error() {
    let e = parse_err("name: x\ndevice: esp32\nscripts: { other.lua: \"\" }\nduration: 1s\n");
    assert!(e.message.contains("no `main.lua`"), "{e}");
    let e = parse_err("name: x\ndevice: esp32\nscripts: ./no/such/folder\nduration: 1s\n");
    assert!(e.message.contains("cannot read folder"), "{e}");
}

#[test]
fn a_script_error_fails_the_run_unless_errors_are_expected() {
    let r = run_yaml("name: x\ndevice: esp32\nscripts: { main.lua: \"print(1\" }\nduration: 1s\n");
    assert!(!r.passed());
    assert_eq!(r.outcomes[0].expectation, "no errors (default)");
    let r = run_yaml(
        "name: x\ndevice: esp32\nscripts: { main.lua: \"print(1\" }\nduration: 1s\nexpect:\n  - error: \"')' expected near <eof>\"\n",
    );
    assert!(r.passed(), "{:?}", r.outcomes);
}
