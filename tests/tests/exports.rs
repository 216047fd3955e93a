//! The files luasim writes for other tools: JUnit XML in the layout CI systems read
//! (testsuites/testsuite/testcase/failure|error), and Chrome trace-event JSON that Perfetto
//! loads (`traceEvents` with `ph`, `ts`, `pid`, `tid`).

use luasim::export::{junit, perfetto};
use luasim::suite;
use luasim_tests::*;
use std::path::PathBuf;

fn scenario_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luasim-exports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("a_pass.yaml", &scenario("esp32", "1s", "print('hello')"));
    write(
        "b_fail.yaml",
        &format!("{}expect:\n  - log: \"<never & seen>\"\n", scenario("esp32", "1s", "print('hello')")),
    );
    write("c_broken.yaml", "name: broken\ndevice: esp32\nscripts: {}\nduration: 1\n");
    dir
}

#[test]
fn junit_has_one_testcase_per_scenario_with_failures_and_errors() {
    let dir = scenario_dir();
    let entries = suite::run_all(luasim_core::scenario::find_scenarios(&dir).unwrap(), 2, suite::run_one, |_, _, _| {});
    let xml = junit::render("scenarios", &entries);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("3"));
    let suite_el = root.children().find(|n| n.has_tag_name("testsuite")).expect("a testsuite");
    assert_eq!((suite_el.attribute("failures"), suite_el.attribute("errors")), (Some("1"), Some("1")));
    let cases: Vec<_> = suite_el.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 3);
    assert!(cases
        .iter()
        .all(|c| c.attribute("name").is_some() && c.attribute("classname").is_some() && c.attribute("time").is_some()));
    let failure = cases[1].children().find(|n| n.has_tag_name("failure")).expect("the failing scenario has a failure");
    assert_eq!(failure.attribute("message"), Some("expected log \"<never & seen>\" at least 1× (seen 0)"));
    let error = cases[2].children().find(|n| n.has_tag_name("error")).expect("the broken scenario has an error");
    assert!(error.attribute("message").unwrap().contains("`1` has no unit"));
    assert!(cases[0].children().all(|n| !n.is_element()), "a passing case is empty");
}

#[test]
fn perfetto_json_has_the_trace_event_fields() {
    let r = run_main(
        "3s",
        r#"
sys.timerLoopStart(function() log.info("tick", "x") end, 500)
sys.timerStart(function() end, 700)
sys.run()
"#,
    );
    let mut text = Vec::new();
    perfetto::write("demo", &r.events, &mut text).expect("written to memory");
    let json: serde_json::Value = serde_json::from_slice(&text).expect("valid JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents array");
    assert!(!events.is_empty());
    for e in events {
        let ph = e["ph"].as_str().expect("every event has ph");
        assert!(e["pid"].is_u64() && e["tid"].is_u64(), "{e}");
        if ph != "M" {
            assert!(e["ts"].is_u64(), "{e}");
        }
        if ph == "X" {
            assert!(e["dur"].is_u64(), "{e}");
        }
    }
    let names: Vec<&str> =
        events.iter().filter(|e| e["name"] == "thread_name").filter_map(|e| e["args"]["name"].as_str()).collect();
    assert!(names.contains(&"timer 2097152") && names.contains(&"log"), "{names:?}");
    let slices = events.iter().filter(|e| e["ph"] == "X" && e["name"] == "armed").count();
    assert_eq!(slices, 6 + 1, "five loop periods, the partial sixth at the end, and the one-shot");
    assert!(events.iter().any(|e| e["ph"] == "C" && e["name"] == "queue depth"));
}
