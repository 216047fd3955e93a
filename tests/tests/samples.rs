//! The expectations judged on samples of the device (`charge:` over a window, `region:` at a
//! moment): each passes on a run that meets it and fails with its cause on one that does not;
//! the figures agree with the energy model; asking for samples changes no trace line.

use luasim_core::profile::Profile;
use luasim_core::runtime::RunReport;
use luasim_tests::{run_yaml, trace_text};

/// A counter kept in the sleep region across deep sleeps of 5 s, awake 1 s after a 320 ms
/// boot each time (writes at 0.32 s, 6.64 s, 12.96 s and 13.96 s; a float and a table at the
/// third boot); a power loss armed at 14 s tears the fourth boot's write at 19.28 s.
fn counter(expect: &str) -> String {
    format!(
        r#"name: counter
device: esp32
duration: 20s
scripts:
  main.lua: |
    local n = (RTC.get("count") or 0) + 1
    RTC.set("count", n)
    if n == 3 then
      RTC.set("ratio", 1.0)
      RTC.set("site", {{ id = 7, name = "kitchen" }})
    end
    Node.setTimeout(1000, function()
      if n == 3 then RTC.set("count", 99) end
      Node.deepSleep(5000)
    end)
steps:
  - {{ at: 14s, power_loss: {{ off: 1s, during_write: true }} }}
expect:
{expect}"#
    )
}

fn first(report: &RunReport) -> &luasim_core::expect::Outcome {
    &report.outcomes[0]
}

#[test]
fn charge_over_the_whole_run_is_the_energy_models_figure() {
    let whole = run_yaml(&counter("  - charge: 1000\n"));
    let charge = whole.stats.energy.charge_mah;
    assert!(charge > 0.0);
    assert_eq!(first(&whole).seen, charge, "{:?}", whole.outcomes);
    assert!(first(&whole).passed);
    let tight = run_yaml(&counter(&format!("  - charge: {}\n", charge * 0.99)));
    let outcome = first(&tight);
    assert!(!outcome.passed);
    let line = &outcome.cause.as_ref().expect("a cause").line;
    assert!(line.contains("mAh drawn, over the budget of"), "{line}");
}

#[test]
fn windows_add_up_and_a_sleep_costs_the_deep_sleep_current() {
    let expect = "  - charge: 1000\n    within: [0s, 3s]\n  - charge: 1000\n    within: [3s, 20s]\n  \
                  - charge: 1000\n    within: [2s, 5s]\n";
    let r = run_yaml(&counter(expect));
    let whole = r.stats.energy.charge_mah;
    let (a, b, asleep) = (r.outcomes[0].seen, r.outcomes[1].seen, r.outcomes[2].seen);
    assert!(((a + b) - whole).abs() < 1e-12, "{a} + {b} against {whole}");
    // Boot 320 ms, awake 1 s, then deep sleep from 1.32 s to 6.32 s: [2 s, 5 s] is all asleep.
    let ma = Profile::built_in("esp32").expect("a built-in profile").currents.deep_sleep_ma;
    let want = 3.0 * ma / 3600.0;
    assert!((asleep - want).abs() < 1e-12, "{asleep} against {want}");
}

#[test]
fn a_window_past_the_end_of_the_run_fails_and_says_so() {
    let r = run_yaml(&counter("  - charge: 1000\n    within: [1s, 25s]\n"));
    let outcome = first(&r);
    assert!(!outcome.passed);
    assert_eq!(outcome.cause.as_ref().unwrap().line, "the run ended at 20.000000 s, before the window's 25.000000 s");
}

#[test]
fn region_values_at_a_moment_as_a_boot_would_read_them() {
    for (expect, cause) in [
        ("  - region: { count: 1, ratio: null }\n    at: 3s\n", None),
        ("  - region: { count: 2 }\n    at: 7s\n", None),
        ("  - region: { count: 3, ratio: 1.0, site: { id: 7, name: kitchen } }\n    at: 13500ms\n", None),
        ("  - region: { count: 99 }\n    at: 14500ms\n", None),
        ("  - region: { count: 2 }\n    at: 3s\n", Some("`count` was 1, expected 2")),
        ("  - region: { ratio: 1 }\n    at: 13500ms\n", Some("`ratio` was 1.0, expected 1")),
        (
            "  - region: { site: null }\n    at: 13500ms\n",
            Some("`site` was {id = 7, name = \"kitchen\"}, expected nil"),
        ),
        ("  - region: { count: 99 }\n    at: 19500ms\n", Some("the region was torn at 19.500000 s")),
        ("  - region: { count: 1 }\n    at: 21s\n", Some("the run ended at 20.000000 s, before 21.000000 s")),
    ] {
        let r = run_yaml(&counter(expect));
        let outcome = first(&r);
        match cause {
            None => assert!(outcome.passed, "{expect}: {outcome:?}"),
            Some(says) => {
                assert!(!outcome.passed, "{expect}");
                let line = &outcome.cause.as_ref().expect("a cause").line;
                assert!(line.starts_with(says), "{expect}: {line}");
            }
        }
    }
}

#[test]
fn asking_for_samples_changes_no_trace_line() {
    let plain = run_yaml(&counter("  - boots: 4\n"));
    let sampled = run_yaml(&counter(
        "  - boots: 4\n  - region: { count: 2 }\n    at: 7s\n  - charge: 1\n    within: [500ms, 13s]\n",
    ));
    assert_eq!(trace_text(&plain), trace_text(&sampled));
    assert_eq!(plain.stats.energy, sampled.stats.energy);
}

#[test]
fn malformed_sampled_expectations_are_load_errors_with_their_line() {
    use luasim_core::scenario::{HostFiles, Scenario};
    for (expect, says) in [
        ("  - charge: -1\n", "a budget in mAh, zero or more"),
        ("  - charge: 1\n    at: 2s\n", "over a window"),
        ("  - charge: 1\n    within: 2s\n", "takes a window"),
        ("  - charge: 1\n    within: [3s, 2s]\n", "needs from <= until"),
        ("  - charge: 1\n    count: 2\n", "are met or not"),
        ("  - region: { count: 1 }\n", "judged `at` one moment"),
        ("  - region: {}\n    at: 1s\n", "at least one key"),
        ("  - region: { count: 1 }\n    at: 1s\n    within: [0s, 2s]\n", "takes no `within`"),
        ("  - log: a\n    at: 1s\n", "`at` goes with `power` or `region`"),
    ] {
        let err = match Scenario::parse(&counter(expect), "counter.yaml", std::path::Path::new("."), &HostFiles) {
            Ok(_) => panic!("loads: {expect}"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(says), "{expect}: {err}");
        assert!(err.starts_with("counter.yaml:"), "names the file and line: {err}");
    }
}
