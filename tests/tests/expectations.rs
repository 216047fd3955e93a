//! The ordered, relative, JSON and power-state expectations: each kind passes on a run that
//! meets it and fails, with its cause, on one that does not; malformed ones are load errors.

use luasim_core::expect::CauseKind;
use luasim_core::runtime::RunReport;
use luasim_core::scenario::{HostFiles, Scenario};
use luasim_tests::run_yaml;
use std::path::Path;

/// A heater that alerts over 80 °C with a JSON payload, and sleeps deeply at 20 s.
fn heater(expect: &str) -> String {
    format!(
        r#"name: heater
device: esp32
duration: 30s
scripts:
  main.lua: |
    EventBus.subscribe("sensor.temperature", function(data)
      if data.value > 80 then
        Log.info("heater OFF at " .. data.value)
        MQTT.publish("boiler1/alert", JSON.encode({{ temp = data.value, state = "OFF", site = {{ id = 7 }} }}))
      else
        Log.info("heater ON at " .. data.value)
      end
    end)
    Node.setTimeout(20000, function() Node.deepSleep(5000) end)
steps:
  - {{ at: 1s, event: {{ name: sensor.temperature, data: {{ value: 70 }} }} }}
  - {{ at: 2s, event: {{ name: sensor.temperature, data: {{ value: 85 }} }} }}
  - {{ at: 3s, event: {{ name: sensor.temperature, data: {{ value: 90 }} }} }}
expect:
{expect}"#
    )
}

/// The verdict of the scenario's first expectation.
fn first(report: &RunReport) -> &luasim_core::expect::Outcome {
    &report.outcomes[0]
}

fn load_error(expect: &str) -> String {
    match Scenario::parse(&heater(expect), "heater.yaml", Path::new("."), &HostFiles) {
        Ok(_) => panic!("loads: {expect}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_sequence_passes_in_order_and_names_the_item_that_never_came() {
    let pass = run_yaml(&heater(
        "  - sequence: [{ log: \"heater ON\" }, { log: \"heater OFF\" }, { mqtt: \"boiler1/alert\" }]\n",
    ));
    assert!(first(&pass).passed, "{:?}", pass.outcomes);
    assert_eq!(first(&pass).first_at_us, Some(1_000_000));
    let reversed = run_yaml(&heater("  - sequence: [{ mqtt: alert }, { log: \"heater ON\" }]\n"));
    let o = first(&reversed);
    assert!(!o.passed);
    let cause = o.cause.as_ref().expect("a cause");
    assert_eq!(cause.kind, CauseKind::Unmet);
    assert!(
        cause.line.starts_with("item 2 of 2, log \"heater ON\", never came after item 1 at 2.000000 s"),
        "{cause:?}"
    );
    let windowed =
        run_yaml(&heater("  - sequence: [{ log: \"heater ON\" }, { log: \"OFF\" }]\n    within: [1500ms, 30s]\n"));
    assert!(!first(&windowed).passed, "the first item lies before the window");
}

#[test]
fn json_fields_of_a_payload_compare_and_a_miss_says_which_test_failed() {
    let pass = run_yaml(&heater(
        "  - mqtt: boiler1/alert\n    json: { temp: { gt: 80, le: 90 }, state: \"OFF\", site.id: 7 }\n    count: 2\n",
    ));
    assert!(first(&pass).passed, "{:?}", pass.outcomes);
    let fail = run_yaml(&heater("  - mqtt: boiler1/alert\n    json: { temp: { ge: 95 } }\n"));
    let o = first(&fail);
    assert!(!o.passed && o.seen == 0.0);
    let cause = o.cause.as_ref().expect("a nearest miss");
    assert_eq!(cause.kind, CauseKind::NearestMiss);
    assert!(cause.line.contains("\"temp\":85") && cause.line.ends_with("(fails temp >= 95)"), "{cause:?}");
}

#[test]
fn after_a_trigger_every_answer_must_come_within_the_duration() {
    let pass = run_yaml(&heater(
        "  - mqtt: boiler1/alert\n    after: { log: \"heater OFF\" }\n    within: 100ms\n    count: 2\n",
    ));
    assert!(first(&pass).passed, "{:?}", pass.outcomes);
    let never = run_yaml(&heater("  - mqtt: boiler1/alert\n    after: { log: \"heater ON\" }\n    within: 500ms\n"));
    let o = first(&never);
    assert!(!o.passed);
    let cause = o.cause.as_ref().unwrap();
    assert!(cause.line.starts_with("no answer within 0.500000 s of log \"heater ON\" at 1.000000 s"), "{cause:?}");
    let at_end = run_yaml(&heater("  - log: never said\n    after: { log: \"heater OFF at 90\" }\n    within: 1h\n"));
    assert!(first(&at_end).cause.as_ref().unwrap().line.ends_with("(the run ended first)"));
}

#[test]
fn the_power_phase_at_a_moment() {
    for (expect, passed) in [
        ("  - power: awake\n    at: 10s\n", true),
        ("  - power: deep_sleep\n    at: 22s\n", true),
        ("  - power: booting\n    at: 25400ms\n", true),
        ("  - power: awake\n    at: 29s\n", true),
        ("  - power: awake\n    at: 22s\n", false),
    ] {
        let r = run_yaml(&heater(expect));
        assert_eq!(first(&r).passed, passed, "{expect}: {:?}", r.outcomes);
    }
    let r = run_yaml(&heater("  - power: awake\n    at: 22s\n"));
    assert_eq!(first(&r).cause.as_ref().unwrap().line, "the device was deep_sleep at 22.000000 s");
}

#[test]
fn malformed_expectations_are_load_errors_with_their_line() {
    for (expect, says) in [
        ("  - sequence: [{ log: a }]\n", "at least two lines"),
        ("  - sequence: [{ log: a, mqtt: b }, { log: c }]\n", "exactly one of `log`, `mqtt`, `telegram`, `error`"),
        (
            "  - power: asleep\n    at: 1s\n",
            "unknown power phase `asleep` (known: booting, awake, light_sleep, deep_sleep)",
        ),
        ("  - power: awake\n", "`power` with `at`"),
        ("  - log: a\n    json: { x: 1 }\n", "`json` tests an MQTT payload"),
        ("  - mqtt: a\n    json: { x: { gt: on } }\n", "compares numbers"),
        ("  - log: a\n    after: { log: b }\n", "`after` needs `within`"),
        ("  - log: a\n    after: { log: b }\n    within: [1s, 2s]\n", "one duration such as `2s`"),
        ("  - log: a\n    within: 2s\n", "one duration goes with `after`"),
        ("  - log: a\n    after: { log: b }\n    within: 2\n", "`2` has no unit"),
        ("  - sequence: [{ log: a }, { log: b }]\n    count: 2\n", "take no `count`"),
    ] {
        let err = load_error(expect);
        assert!(err.contains(says), "{expect}: {err}");
        assert!(err.starts_with("heater.yaml:"), "names the file and line: {err}");
    }
}
