//! Scenario files: errors name file, line and column and say what was expected; times need
//! units; the default "no errors" expectation.

use luasim_core::scenario::{HostFiles, Scenario, ScenarioError, ScenarioErrorKind};
use luasim_tests::run_yaml;
use std::path::Path;

fn parse_err(yaml: &str) -> ScenarioError {
    Scenario::parse(yaml, "s.yaml", Path::new("."), &HostFiles).expect_err("should not parse")
}

const HEAD: &str = "name: x\ndevice: esp32\nscripts:\n  main.lua: \"print(1)\"\n";

#[test]
fn durations_need_units_and_errors_point_at_the_value() {
    let e = parse_err(&format!("{HEAD}duration: 10\n"));
    assert_eq!((e.at.line, e.at.column), (Some(5), Some(11)));
    assert!(e.message.contains("`10` has no unit"), "{e}");
    let e = parse_err(&format!("{HEAD}duration: 10 parsecs\n"));
    assert_eq!(
        e.to_string(),
        "s.yaml:5:11: duration: unknown time unit `parsecs` in `10 parsecs` (units: us, ms, s, m, h, d)"
    );
}

#[test]
fn errors_say_what_kind_of_problem_they_are() {
    let kind = |yaml: &str| parse_err(yaml).kind;
    assert_eq!(kind(&format!("{HEAD}duration: 10\n")), ScenarioErrorKind::Document);
    assert_eq!(kind("name: x\n\tdevice: esp32\n"), ScenarioErrorKind::Document);
    assert_eq!(kind(&format!("{HEAD}duration: 1s\nmax_events: 0\n")), ScenarioErrorKind::Invalid);
    assert_eq!(kind("name: x\ndevice: esp32\nduration: 1s\nscripts:\n  rules.lua: \"\"\n"), ScenarioErrorKind::Invalid);
    let deep = format!("{HEAD}duration: 1s\nsteps: {}{}\n", "[".repeat(300), "]".repeat(300));
    assert_eq!(kind(&deep), ScenarioErrorKind::Limit);
    let missing = Scenario::load(Path::new("/nonexistent/luasim/s.yaml"), &HostFiles).expect_err("no such file");
    assert_eq!(missing.kind, ScenarioErrorKind::Read);
    let folder = "name: x\ndevice: esp32\nduration: 1s\nscripts: /nonexistent/luasim/folder\n";
    assert_eq!(kind(folder), ScenarioErrorKind::Read);
}

#[test]
fn unknown_keys_list_what_is_expected() {
    let e = parse_err(&format!("{HEAD}duration: 1s\ndurashun: 3s\n"));
    assert_eq!(e.at.line, Some(6));
    assert!(e.message.contains("unknown field `durashun`, expected one of"), "{e}");
    let e = parse_err("name: x\ndevice: { profile: esp32, tik_hz: 10 }\nscripts: {}\nduration: 1s\n");
    assert_eq!(e.at.line, Some(2));
    assert!(e.message.contains("unknown field `tik_hz`"), "{e}");
}

#[test]
fn unknown_profiles_name_the_built_in_ones() {
    let e = parse_err("name: x\ndevice: esp8266\nscripts: {}\nduration: 1s\n");
    assert_eq!((e.at.line, e.at.column), (Some(2), Some(9)));
    assert!(e.message.contains("unknown device profile `esp8266` (built in: esp32, esp32s3, esp32c3, luatos)"), "{e}");
}

#[test]
fn tabs_in_indentation_are_reported_where_they_are() {
    let e = parse_err("name: x\ndevice: esp32\nscripts:\n\tmain.lua: x\nduration: 1s\n");
    assert_eq!((e.at.line, e.at.column), (Some(4), Some(1)));
    assert!(e.message.contains("tab"));
}

#[test]
fn tabs_after_a_block_scalars_indentation_are_content() {
    // YAML 1.2 indents with spaces only, but inside a block scalar every character after the
    // block's indentation is content, tabs included: a Lua line indented with a tab.
    let text = "name: x\ndevice: esp32\nduration: 1s\nscripts:\n  main.lua: |\n    if true then\n    \tprint(\"tab\")\n    end\n\n    \t\n";
    let scenario = Scenario::parse(text, "s.yaml", Path::new("."), &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    let main = scenario.files.read(luasim_core::vfs::MAIN_SCRIPT).expect("main.lua");
    assert_eq!(main, b"if true then\n\tprint(\"tab\")\nend\n\n\t\n");
    // A tab before the block's indentation is indentation: refused, naming the line.
    let e = parse_err("name: x\ndevice: esp32\nduration: 1s\nscripts:\n  main.lua: |\n    a = 1\n  \tb = 2\n");
    assert_eq!((e.at.line, e.at.column), (Some(7), Some(3)), "{e}");
    assert!(e.message.contains("YAML indents with spaces, also inside a block scalar"), "{e}");
    // The first line decides the block's indentation, so a tab there is indentation too.
    let e = parse_err("name: x\ndevice: esp32\nduration: 1s\nscripts:\n  main.lua: |\n\tb = 2\n");
    assert_eq!((e.at.line, e.at.column), (Some(6), Some(1)), "{e}");
    // Past the block, tabs indent nothing either.
    let e = parse_err("scripts:\n  main.lua: |\n    a = 1\nname: x\nsteps:\n\t- x\n");
    assert_eq!((e.at.line, e.at.column), (Some(6), Some(1)), "{e}");
    assert_eq!(e.message, "tab character in indentation; YAML indents with spaces");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_document() {
    let text = format!("\u{feff}{HEAD}duration: 1s\n");
    let scenario = Scenario::parse(&text, "s.yaml", Path::new("."), &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scenario.name, "x");
    // Positions are counted without it.
    let e = parse_err(&format!("\u{feff}{HEAD}duration: 10\n"));
    assert_eq!((e.at.line, e.at.column), (Some(5), Some(11)), "{e}");
}

#[test]
fn a_long_list_of_steps_is_refused_while_it_is_read() {
    // 450,000 written-out steps of 5 nodes each: 2.25 million YAML nodes, refused by the expansion budget at the
    // step where the limit is crossed rather than after serde_yaml has built all of them.
    let mut text = format!("{HEAD}duration: 1s\nsteps:\n");
    for _ in 0..450_000 {
        text.push_str("  - { at: 1s, gpio: 1 }\n");
    }
    let e = parse_err(&text);
    assert!(e.message.contains("more than 2000000 YAML nodes"), "{e}");
    let line = e.at.line.expect("a line");
    assert!((399_000..401_000).contains(&line), "{e}");
    // With `repeat`, the step that takes the schedule past a million steps is named.
    let repeated = format!("{HEAD}duration: 1s\nsteps:\n{}", "  - { at: 1s, gpio: 1, repeat: 400000 }\n".repeat(3));
    let e = parse_err(&repeated);
    assert_eq!((e.at.line, e.at.column), (Some(9), Some(5)), "{e}");
    assert!(e.message.starts_with("steps[2]: with `repeat` the schedule holds 1200000 steps"), "{e}");
}

#[test]
fn config_keys_are_at_most_32_parts_deep() {
    let step = |parts: usize| {
        let key = vec!["k"; parts].join(".");
        format!("{HEAD}duration: 1s\nsteps:\n  - {{ at: 1s, config: {{ {key}: 1 }} }}\n")
    };
    Scenario::parse(&step(32), "s.yaml", Path::new("."), &HostFiles).unwrap_or_else(|e| panic!("{e}"));
    let e = parse_err(&step(33));
    assert_eq!((e.at.line, e.at.column), (Some(7), Some(5)), "{e}");
    assert!(e.message.contains("has 33 dotted parts; a key has at most 32"), "{e}");
}

#[test]
fn runs_have_an_event_budget_a_scenario_may_change() {
    let parse =
        |extra: &str| Scenario::parse(&format!("{HEAD}duration: 1s\n{extra}"), "s.yaml", Path::new("."), &HostFiles);
    assert_eq!(parse("").unwrap().max_events, luasim_core::scenario::MAX_EVENTS);
    assert_eq!(parse("max_events: 7\n").unwrap().max_events, 7);
    assert!(parse("max_events: 0\n").unwrap_err().message.contains("at least 1 event"));
}

#[test]
fn steps_and_expectations_are_validated() {
    let e = parse_err(&format!("{HEAD}duration: 1s\nsteps:\n  - at: 1s\n    publsh: [a]\n"));
    assert_eq!(e.at.line, Some(8));
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

/// Sleepy tasks read Lua 5.4's internals: another build refuses the scenario as one it cannot
/// run (suites skip it), not as a broken file.
#[cfg(not(feature = "lua54"))]
#[test]
fn a_sleepy_scenario_is_unsupported_on_other_builds() {
    let path = luasim_tests::repo_root().join("scenarios/sleepy_smartwatch.yaml");
    let e = Scenario::load(&path, &HostFiles).expect_err("needs Lua 5.4");
    assert_eq!(e.kind, ScenarioErrorKind::Unsupported, "{e}");
}

#[test]
fn a_misspelt_module_is_an_error_with_a_suggestion() {
    let e = parse_err(
        "name: x\ndevice: { profile: esp32, modules: [telgram] }\nduration: 1s\nscripts:\n  main.lua: \"\"\n",
    );
    assert_eq!((e.kind, e.at.line), (ScenarioErrorKind::Document, Some(2)));
    assert!(e.message.contains("unknown module `telgram`") && e.message.contains("did you mean `telegram`?"), "{e}");
    let e = parse_err(&format!("{HEAD}duration: 1s\nmodules: [gnss, tlegram]\n"));
    assert!(e.message.contains("unknown module `tlegram`"), "{e}");
}
