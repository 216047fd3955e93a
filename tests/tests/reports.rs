//! The cause of a failure reaches every report (the summary `run -q` prints, `run --json`, the
//! `test` table and its JUnit file), and scenario mistakes that used to pass silently are said:
//! a step after the end of the run, steps the device missed while asleep or off.

use luasim_core::expect::CauseKind;
use luasim_core::scenario::{HostFiles, Scenario, ScenarioErrorKind};
use luasim_tests::{luasim_binary, run_yaml};
use std::path::Path;
use std::process::{Command, Output};

/// A task that fails on its third round, and an expectation that it never reaches.
const THIRD_ROUND: &str = r#"name: third_round
device: esp32
duration: 10s
scripts:
  main.lua: |
    sys.taskInit(function()
      local n = 0
      while true do
        sys.wait(1000)
        n = n + 1
        local limit = n < 3 and 10 or nil
        if n > limit then print("never") end
        log.info("round", n)
      end
    end)
    sys.run()
expect:
  - log: "round 5"
"#;

const ERROR_TEXT: &str = "/scripts/main.lua:7: attempt to compare nil with number";

fn in_temp_dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("luasim-reports-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn luasim(dir: &Path, args: &[&str]) -> Output {
    Command::new(luasim_binary()).args(args).current_dir(dir).output().expect("luasim runs")
}

#[test]
fn the_first_error_and_the_nearest_miss_are_in_the_outcomes() {
    let report = run_yaml(THIRD_ROUND);
    let [round, errors] = &report.outcomes[..] else { panic!("two outcomes: {:?}", report.outcomes) };
    let miss = round.cause.as_ref().expect("the failed log expectation names its nearest miss");
    assert_eq!((miss.kind, miss.line.as_str(), miss.at_us), (CauseKind::NearestMiss, "I/user.round 1", 1_320_000));
    let first = errors.cause.as_ref().expect("the failed no-errors expectation names the first error");
    assert_eq!(first.kind, CauseKind::FirstError);
    assert!(first.line.contains(ERROR_TEXT), "{}", first.line);
    assert!(
        first.line.contains("\nstack traceback:\n\t/scripts/main.lua:7:"),
        "traceback on real lines: {}",
        first.line
    );
    let passing = run_yaml(&THIRD_ROUND.replace("n < 3 and 10 or nil", "10").replace("round 5", "round 9"));
    assert!(passing.passed(), "{:?}", passing.outcomes);
    assert!(passing.outcomes.iter().all(|o| o.cause.is_none()), "a passed expectation has no cause");
}

/// LuatOS prints `main.lua`'s error as a header line (`Luat: `) and the message on the next
/// (`luat/modules/luat_main.c`, `report`): the cause a report shows is both.
#[test]
fn a_first_error_that_is_only_a_header_takes_the_line_after_it() {
    let report = run_yaml(&luasim_tests::scenario("luatos", "1s", "local t = nil\nlocal v = t.field\n"));
    let errors = report.outcomes.iter().find_map(|o| o.cause.as_ref()).expect("the no-errors expectation failed");
    assert_eq!(errors.kind, CauseKind::FirstError);
    assert_eq!(errors.line, "E/main Luat: /scripts/main.lua:2: attempt to index a nil value (local 't')");
}

#[test]
fn run_quiet_and_json_show_the_error() {
    let dir = in_temp_dir("run", &[("s.yaml", THIRD_ROUND)]);
    let quiet = luasim(&dir, &["run", "s.yaml", "-q"]);
    assert_eq!(quiet.status.code(), Some(1));
    let text = String::from_utf8_lossy(&quiet.stdout);
    assert!(text.contains(&format!("first error at 3.320000 s: E/user.sys task error: {ERROR_TEXT}")), "{text}");
    assert!(text.contains("nearest miss at 1.320000 s: I/user.round 1"), "{text}");
    let json = luasim(&dir, &["run", "s.yaml", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON");
    let causes: Vec<&str> =
        value["outcomes"].as_array().unwrap().iter().filter_map(|o| o["cause"]["line"].as_str()).collect();
    assert!(causes.iter().any(|c| c.contains(ERROR_TEXT)), "{value}");
}

#[test]
fn the_test_table_and_junit_show_the_error() {
    let dir = in_temp_dir("suite", &[("s.yaml", THIRD_ROUND)]);
    let out = luasim(&dir, &["test", ".", "--junit", "junit.xml"]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains(ERROR_TEXT), "{table}");
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit is XML");
    let failures: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("failure")).collect();
    let error = failures
        .iter()
        .find(|f| f.attribute("message").is_some_and(|m| m.starts_with("expected no errors")))
        .expect("a failure for the default expectation");
    assert!(error.attribute("message").unwrap().contains(ERROR_TEXT), "{xml}");
    let body = error.text().unwrap_or_default();
    assert!(body.contains("stack traceback:\n\t/scripts/main.lua:7:"), "the traceback on real lines: {body}");
    let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    let out = case.children().find(|n| n.has_tag_name("system-out")).expect("the last trace lines");
    let lines: Vec<&str> = out.text().unwrap_or_default().lines().collect();
    assert_eq!(lines.len(), 12, "the whole trace, shorter than {} lines: {lines:?}", luasim::suite::TAIL_LINES);
    assert!(lines[0].ends_with("boot     profile=esp32 tick_hz=100 cause=power-on generation=1 region=empty 0 bytes"));
    assert!(lines.iter().any(|l| l.contains("task error") && l.contains("attempt to compare")), "{lines:?}");
    assert!(lines.last().unwrap().ends_with("end      duration reached"), "{lines:?}");
}

#[test]
fn a_step_after_the_end_is_an_error_at_load() {
    let yaml = "name: late\ndevice: esp32\nduration: 10m\nscripts:\n  main.lua: \"\"\nsteps:\n  - { at: 1m, event: { name: a } }\n  - { at: 20m, event: { name: b } }\n";
    let e = Scenario::parse(yaml, "late.yaml", Path::new("."), &HostFiles).expect_err("a step after the end");
    assert_eq!(e.kind, ScenarioErrorKind::Invalid);
    assert!(e.message.contains("steps[1]: at 1200.000000 s, after the end of the run (duration: 600.000000 s)"), "{e}");
    let repeating = "name: r\ndevice: esp32\nduration: 10m\nscripts:\n  main.lua: \"\"\nsteps:\n  - { at: 1m, every: 1m, repeat: 100, event: { name: a } }\n";
    assert!(Scenario::parse(repeating, "r.yaml", Path::new("."), &HostFiles).is_ok(), "repeats may run past the end");
}

#[test]
fn steps_missed_while_asleep_or_off_are_counted() {
    let report = run_yaml(
        "name: m\ndevice: esp32\nduration: 10s\nscripts:\n  main.lua: |\n    if Node.wakeCause() == 'power-on' then Node.deepSleep(5000) end\nsteps:\n  - { at: 2s, event: { name: a } }\n  - { at: 3s, config: { x: 1 } }\n  - { at: 7s, event: { name: b } }\n",
    );
    assert_eq!(report.stats.steps_missed, 2, "two steps while asleep, one awake");
    let summary = luasim_core::summary::render(&report, None);
    assert!(summary.contains("steps      2 missed while asleep or off"), "{summary}");
}

/// Errors found once the document is built (no YAML positions left) still say where: every
/// one whose message names a document path gets the line and column of the deepest node of
/// that path the file has.
#[test]
fn load_errors_found_after_parsing_give_the_line_they_are_about() {
    let main = "scripts:\n  main.lua: \"\"\n";
    let fleet_device = |name: &str, extra: &str| {
        format!("  - name: {name}\n    device: esp32\n    scripts: {{ main.lua: \"\" }}\n{extra}")
    };
    let cases = [
        (format!("name: s\ndevice: esp32\nduration: 1m\n{main}steps:\n  - {{ at: 1s, reload: true }}\n  - at: 2m\n    reload: true\n"), "8:5", "steps[1]: at 120"),
        (format!("name: m\ndevice: esp32\nduration: 1m\n{main}max_events: 0\n"), "6:13", "max_events: a run records at least 1 event"),
        (format!("name: b\ndevice: esp32\nduration: 1m\n{main}broker: {{ latency: 1ms }}\n"), "6:9", "broker: only a fleet"),
        (format!("name: f\nduration: 1m\nbroker:\n  latency: 0us\ndevices:\n{}", fleet_device("a", "")), "4:12", "broker: latency: at least 1us"),
        (format!("name: f\nduration: 1m\ndevices:\n{}{}", fleet_device("a", ""), fleet_device("a", "")), "7:5", "devices[1]: name `a` is taken"),
        (format!("name: f\nduration: 1m\ndevices:\n{}{}", fleet_device("a", ""), fleet_device("b", "    steps:\n      - { at: 5m, reload: true }\n")), "11:9", "devices[1] (b): steps[0]: at 300"),
        (format!("name: f\nduration: 1m\nsteps:\n  - {{ at: 1s, reload: true }}\ndevices:\n{}", fleet_device("a", "")), "4:3", "steps: a fleet (`devices:`) has it in each device"),
    ];
    for (yaml, at, message) in cases {
        let e = Scenario::parse(&yaml, "bad.yaml", Path::new("."), &HostFiles).expect_err(message);
        let shown = e.to_string();
        assert!(shown.starts_with(&format!("bad.yaml:{at}: ")) && shown.contains(message), "{shown}\n---\n{yaml}");
    }
}
