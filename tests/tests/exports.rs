//! The files luasim writes for other tools: JUnit XML in the layout CI systems read
//! (testsuites/testsuite/testcase/failure|error), and Chrome trace-event JSON that Perfetto
//! loads (`traceEvents` with `ph`, `ts`, `pid`, `tid`), bounded in size and tracks however long
//! the run.

use luasim::export::{junit, perfetto};
use luasim::suite;
use luasim_core::runtime::{self, RunOptions, RunReport};
use luasim_core::scenario::{HostFiles, Scenario};
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

/// The trace events of a Perfetto export, checked for what every reader needs: `ph`, `pid` and
/// `tid` on each, `ts` on each but metadata, `dur` on slices, a name for every thread used,
/// slices on one thread nested or apart (never half over each other).
fn perfetto_events(title: &str, report: &RunReport) -> Vec<serde_json::Value> {
    let mut text = Vec::new();
    perfetto::write(title, &report.events, &mut text).expect("written to memory");
    let json: serde_json::Value = serde_json::from_slice(&text).expect("valid JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents array").clone();
    let mut named = std::collections::BTreeSet::new();
    let mut slices: std::collections::BTreeMap<u64, Vec<(u64, u64)>> = Default::default();
    for e in &events {
        let ph = e["ph"].as_str().expect("every event has ph");
        assert!(e["pid"].is_u64() && e["tid"].is_u64(), "{e}");
        let tid = e["tid"].as_u64().unwrap();
        match ph {
            "M" if e["name"] == "thread_name" => _ = named.insert(tid),
            "M" => {}
            _ => assert!(e["ts"].is_u64(), "{e}"),
        }
        if ph == "X" {
            let (ts, dur) = (e["ts"].as_u64().unwrap(), e["dur"].as_u64().expect("a slice has dur"));
            slices.entry(tid).or_default().push((ts, ts + dur));
        }
    }
    for e in &events {
        assert!(named.contains(&e["tid"].as_u64().unwrap()), "thread of {e} has no name");
    }
    for (tid, spans) in slices {
        for (i, a) in spans.iter().enumerate() {
            for b in &spans[i + 1..] {
                let apart = a.1 <= b.0 || b.1 <= a.0;
                let nested = (a.0 <= b.0 && b.1 <= a.1) || (b.0 <= a.0 && a.1 <= b.1);
                assert!(apart || nested, "thread {tid}: slices {a:?} and {b:?} cross");
            }
        }
    }
    events
}

fn named<'a>(events: &'a [serde_json::Value], ph: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["ph"] == ph).collect()
}

#[test]
fn perfetto_json_draws_timer_tracks_power_phases_and_counters() {
    let r = run_main(
        "3s",
        r#"
sys.timerLoopStart(function() log.info("tick", "x") end, 500)
sys.timerStart(function() end, 700)
sys.run()
"#,
    );
    let events = perfetto_events("demo", &r);
    let process: Vec<_> = named(&events, "M").into_iter().filter(|e| e["name"] == "process_name").collect();
    assert_eq!(process[0]["args"]["name"], "demo");
    let threads: Vec<&str> = named(&events, "M")
        .into_iter()
        .filter(|e| e["name"] == "thread_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    assert_eq!(threads, ["power", "log", "bus", "firmware", "timer 2097152", "timer 2097153"]);
    let slices = named(&events, "X");
    let phases: Vec<&str> = slices.iter().filter(|e| e["tid"] == 1).filter_map(|e| e["name"].as_str()).collect();
    assert_eq!(phases, ["booting", "awake"]);
    let timers: Vec<(&str, u64)> = slices
        .iter()
        .filter(|e| e["tid"].as_u64() >= Some(100))
        .map(|e| (e["name"].as_str().unwrap(), e["args"]["fired"].as_u64().unwrap()))
        .collect();
    // The loop timer is one slice to the end, with each firing counted; the one-shot took the
    // second track, the first being armed.
    let loops = log_lines(&r).iter().filter(|l| l.contains("tick")).count() as u64;
    assert_eq!(timers, [("timer 2097152", loops), ("timer 2097153", 1)]);
    let queue: Vec<u64> = named(&events, "C")
        .iter()
        .filter(|e| e["name"] == "queue depth")
        .map(|e| e["args"]["queue depth"].as_u64().unwrap())
        .collect();
    assert!(!queue.is_empty() && queue.windows(2).all(|w| w[0] != w[1]), "written only when it changes: {queue:?}");
}

#[test]
fn perfetto_json_of_deep_sleep_has_a_span_per_phase() {
    let r = run_main("3s", "sys.timerStart(function() end, 100)\nNode.deepSleep(1000)\n");
    let events = perfetto_events("sleeper", &r);
    let phases: Vec<&str> =
        named(&events, "X").iter().filter(|e| e["tid"] == 1).filter_map(|e| e["name"].as_str()).collect();
    assert_eq!(&phases[..4], ["booting", "awake", "deep sleep", "booting"], "{phases:?}");
    // The timer armed before the sleep dies with it.
    let timer = named(&events, "X").into_iter().find(|e| e["tid"] == 100).expect("a timer slice");
    let sleep = named(&events, "X").into_iter().find(|e| e["name"] == "deep sleep").unwrap();
    assert_eq!(timer["ts"].as_u64().unwrap() + timer["dur"].as_u64().unwrap(), sleep["ts"].as_u64().unwrap());
}

#[test]
fn perfetto_json_of_a_year_of_minute_waits_stays_small() {
    let path = repo_root().join("scenarios/minute_task_year.yaml");
    let scenario = Scenario::load(&path, &HostFiles).expect("bundled scenario loads");
    let report = runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() }).expect("run");
    let events = perfetto_events("minute_task_year", &report);
    let bytes = serde_json::to_vec(&events).unwrap().len();
    assert!(bytes < 30_000_000, "{bytes} bytes");
    let tracks = named(&events, "M").iter().filter(|e| e["name"] == "thread_name").count();
    assert!(tracks <= 64, "{tracks} tracks");
    let year = named(&events, "X").into_iter().find(|e| e["tid"] == 100).expect("the wait loop's track");
    assert_eq!(year["args"]["timers"], 525_660);
}

#[test]
fn perfetto_json_has_heap_region_and_charge_counters() {
    let r = run_main("3s", "RTC.set('n', 1)\nsys.timerStart(function() Node.deepSleep(1000) end, 200)\nsys.run()\n");
    let events = perfetto_events("health", &r);
    let counter = |name: &str| -> Vec<(u64, f64)> {
        named(&events, "C")
            .iter()
            .filter(|e| e["name"] == name)
            .map(|e| (e["ts"].as_u64().unwrap(), e["args"][name].as_f64().unwrap()))
            .collect()
    };
    let heap = counter("lua heap (bytes)");
    let sleep = named(&events, "X").into_iter().find(|e| e["name"] == "deep sleep").expect("a deep sleep");
    let slept_at = sleep["ts"].as_u64().unwrap();
    assert!(heap.iter().any(|&(_, v)| v > 10_000.0), "{heap:?}");
    assert!(heap.contains(&(slept_at, 0.0)), "the heap is gone in deep sleep: {heap:?}");
    let region = counter("sleep region (bytes)");
    assert!(region.iter().any(|&(_, v)| v > 0.0), "{region:?}");
    let charge = counter("charge (mAh)");
    let last = charge.last().expect("charge samples").1;
    assert!(charge.windows(2).all(|w| w[0].1 <= w[1].1), "{charge:?}");
    assert!((last - r.stats.energy.charge_mah).abs() < 1e-6, "ends at the summary's {last}");
}

/// Perfetto draws an arrow from a step to each callback it led to: the importer binds a flow
/// to a slice (`X`), never to an instant, a `bind_id` may start one flow (`flow_out`) and end
/// any number (`flow_in`), and ids are one namespace for the whole file.
#[test]
fn perfetto_json_has_a_flow_from_each_step_to_its_callbacks() {
    let yaml = format!(
        "{}steps:\n  - {{ at: 1s, event: {{ name: door, data: {{ open: true }} }} }}\n  - {{ at: 2s, event: {{ name: door, data: {{ open: false }} }} }}\n",
        scenario(
            "{ profile: esp32, tick_hz: 1000, boot_ms: 1 }",
            "3s",
            "EventBus.subscribe('door', function(d) log.info('a', tostring(d.open)) end)\nEventBus.subscribe('door', function(d) log.info('b', tostring(d.open)) end)\nsys.run()\n"
        )
    );
    let r = run_yaml(&yaml);
    let flows: Vec<(bool, u64)> = r
        .events
        .iter()
        .filter_map(|e| e.flow.map(|f| (matches!(e.kind, luasim_core::trace::EventKind::Callback { .. }), f)))
        .collect();
    assert_eq!(flows, [(false, 1), (true, 1), (true, 1), (false, 2), (true, 2), (true, 2)], "{}", trace_text(&r));
    let events = perfetto_events("flows", &r);
    let bound: Vec<&serde_json::Value> = events.iter().filter(|e| e.get("bind_id").is_some()).collect();
    assert_eq!(bound.len(), 6);
    let mut sources = std::collections::BTreeMap::new();
    for e in &bound {
        assert_eq!(e["ph"], "X", "flows bind to slices: {e}");
        if e["flow_out"] == true {
            assert_eq!(e["tid"], 3, "the step is on the bus: {e}");
            assert!(
                sources.insert(e["bind_id"].as_u64().unwrap(), e["ts"].as_u64().unwrap()).is_none(),
                "one start per id"
            );
        }
    }
    for e in bound.iter().filter(|e| e["flow_in"] == true) {
        assert_eq!(e["tid"], 4, "the callback is on the firmware thread: {e}");
        let start = sources.get(&e["bind_id"].as_u64().unwrap()).expect("a flow ends where one started");
        assert!(*start <= e["ts"].as_u64().unwrap());
    }
    assert_eq!(sources.len(), 2);
}

#[test]
fn a_fleet_s_flows_have_ids_of_their_own_per_device() {
    let path = repo_root().join("scenarios/fleet_sensor_gateway.yaml");
    let scenario = Scenario::load(&path, &HostFiles).expect("bundled fleet loads");
    let report = runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() }).expect("run");
    let mut text = Vec::new();
    perfetto::write("fleet", &report.events, &mut text).expect("written to memory");
    let json: serde_json::Value = serde_json::from_slice(&text).expect("valid JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents array");
    let mut starts = std::collections::BTreeSet::new();
    for e in events.iter().filter(|e| e["flow_out"] == true) {
        assert!(starts.insert(e["bind_id"].as_u64().unwrap()), "bind_id {} starts twice", e["bind_id"]);
        assert!(e["bind_id"].as_u64().unwrap() < 1 << 53, "exact in JavaScript");
    }
    assert!(!starts.is_empty());
}
