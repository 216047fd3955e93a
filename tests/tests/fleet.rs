//! Fleets (`devices:`, `docs/fleets.md`): devices on one virtual clock meet through the
//! in-simulation broker after its latency, with retained messages and wildcards; one trace with
//! a device column; expectations per device; byte-identical across processes.

use luasim_core::runtime::{self, RunOptions, RunReport};
use luasim_core::scenario::{HostFiles, Scenario};
use luasim_tests::{luasim_binary, repo_root, run_yaml, trace_text};
use std::path::Path;
use std::process::Command;

const DEVICE: &str = "{ profile: esp32, tick_hz: 1000, boot_ms: 1 }";

/// A fleet of `devices` (name, main.lua) with `extra` top-level YAML, for `duration`.
fn fleet(duration: &str, extra: &str, devices: &[(&str, &str, &str)]) -> String {
    let mut yaml = format!("name: inline_fleet\nduration: {duration}\n{extra}devices:\n");
    for (name, main_lua, expect) in devices {
        let body: String = main_lua.lines().map(|l| format!("          {l}\n")).collect();
        yaml.push_str(&format!("  - name: {name}\n    device: {DEVICE}\n    scripts:\n      main.lua: |\n{body}"));
        if !expect.is_empty() {
            yaml.push_str(&format!("    expect:\n{expect}"));
        }
    }
    yaml
}

fn load_error(yaml: &str) -> String {
    Scenario::parse(yaml, "inline.yaml", Path::new("."), &HostFiles).expect_err("refused").to_string()
}

/// Lines of the trace that contain `needle`.
fn lines_with(report: &RunReport, needle: &str) -> Vec<String> {
    trace_text(report).lines().filter(|l| l.contains(needle)).map(str::to_string).collect()
}

const PINGER: &str = "Node.setTimeout(100, function() MQTT.publish('room/a/temp', '21') end)\n\
                      MQTT.subscribe('room/#', function(t, p) log.info('self', t, p) end)";
const LISTENER: &str = "MQTT.subscribe('room/+/temp', function(t, p) log.info('heard', t, p) end)\n\
                        MQTT.subscribe('cfg/#', function(t, p) log.info('cfg', t, p) end)";

#[test]
fn a_publish_reaches_the_other_devices_and_the_sender_after_the_latency() {
    let report = run_yaml(&fleet(
        "1s",
        "broker: { latency: 250ms, retained: { cfg/mode: eco, other/x: '1' } }\n",
        &[("pinger", PINGER, ""), ("listener", LISTENER, "")],
    ));
    assert!(report.passed(), "{}", trace_text(&report));
    let heard = lines_with(&report, "I/user.heard");
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert!(heard[0].starts_with(&format!("{:<12} {:>14}", "listener", "0.351000")), "{}", heard[0]);
    let own = lines_with(&report, "I/user.self");
    assert!(own[0].starts_with(&format!("{:<12} {:>14}", "pinger", "0.351000")), "the sender hears itself: {own:?}");
    let retained = lines_with(&report, "I/user.cfg");
    assert_eq!(retained.len(), 1, "only the retained message the filter matches: {retained:?}");
    assert!(retained[0].contains("0.251000") && retained[0].ends_with("cfg/mode eco"), "{}", retained[0]);
}

#[test]
fn every_line_has_its_device_in_a_fixed_column_and_time_order() {
    let report = run_yaml(&fleet("1s", "", &[("pinger", PINGER, ""), ("listener", LISTENER, "")]));
    let mut last = 0;
    for event in &report.events {
        let line = event.to_string();
        let device = event.device.as_deref().expect("a fleet's events name their device");
        assert_eq!(&line[..13], format!("{device:<12} "), "{line}");
        assert!(event.at_us >= last, "{line}");
        last = event.at_us;
    }
    assert_eq!(report.devices.len(), 2);
    assert_eq!(report.devices[0].scenario, "pinger");
}

#[test]
fn expectations_are_judged_on_each_device_s_own_part() {
    let expect_heard = "      - log: \"I/user.heard room/a/temp 21\"\n        count: 1\n";
    let report = run_yaml(&fleet("1s", "", &[("pinger", PINGER, expect_heard), ("listener", LISTENER, expect_heard)]));
    assert!(!report.passed(), "the pinger never logs `heard`");
    let verdicts: Vec<(String, bool)> = report.outcomes.iter().map(|o| (o.expectation.clone(), o.passed)).collect();
    assert!(
        verdicts.contains(&("pinger: log \"I/user.heard room/a/temp 21\" exactly 1×".into(), false)),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&("listener: log \"I/user.heard room/a/temp 21\" exactly 1×".into(), true)),
        "{verdicts:?}"
    );
    assert!(!report.devices[0].passed() && report.devices[1].passed());
}

#[test]
fn a_device_in_deep_sleep_is_not_subscribed() {
    let sleeper = "MQTT.subscribe('room/#', function(t, p) log.info('woke', t, p) end)\n\
                   Node.setTimeout(10, function() Node.deepSleep(5000) end)";
    let report = run_yaml(&fleet("2s", "", &[("pinger", PINGER, ""), ("sleeper", sleeper, "")]));
    assert!(lines_with(&report, "I/user.woke").is_empty());
    let sleeper = lines_with(&report, "sleeper ");
    assert!(sleeper.iter().any(|l| l.contains("sleep    deep")), "{sleeper:?}");
    assert!(!sleeper.iter().any(|l| l.contains("inject")), "its session ended with the sleep: {sleeper:?}");
}

#[test]
fn fleet_documents_keep_per_device_fields_in_the_devices() {
    let two = fleet("1s", "", &[("a", PINGER, ""), ("b", LISTENER, "")]);
    let top_device = two.replace("duration: 1s\n", "duration: 1s\ndevice: esp32\n");
    assert!(load_error(&top_device).contains("device: a fleet (`devices:`) has it in each device"));
    let same_name = fleet("1s", "", &[("a", PINGER, ""), ("a", LISTENER, "")]);
    assert!(load_error(&same_name).contains("name `a` is taken"));
    let long_name = fleet("1s", "", &[("a_name_of_13c", PINGER, "")]);
    assert!(load_error(&long_name).contains("1 to 12 letters"));
    let no_latency = fleet("1s", "broker: { latency: 0ms }\n", &[("a", PINGER, "")]);
    assert!(load_error(&no_latency).contains("at least 1us"));
    let names: Vec<String> = (0..65).map(|i| format!("d{i}")).collect();
    let crowd: Vec<(&str, &str, &str)> = names.iter().map(|n| (n.as_str(), PINGER, "")).collect();
    assert!(load_error(&fleet("1s", "", &crowd)).contains("65 devices; a fleet has at most 64"));
    let alone = "name: x\ndevice: esp32\nduration: 1s\nbroker: {}\nscripts: { main.lua: '' }\n";
    assert!(load_error(alone).contains("only a fleet has one"));
    let scenario = Scenario::parse(&two, "inline.yaml", Path::new("."), &HostFiles).expect("loads");
    assert!(scenario.simulator_only().is_some_and(|why| why.contains("fleet of 2 devices")));
}

#[test]
fn a_single_device_s_trace_has_no_device_column() {
    let report = luasim_tests::run_main("1s", "log.info('t', 'x')");
    assert!(report.events.iter().all(|e| e.device.is_none()));
    assert!(!serde_json::to_string(&report.events[0]).expect("json").contains("device"));
}

/// `luasim run` of the bundled fleet, minus the wall-clock line, and its exit code.
fn run_bundled() -> (String, Option<i32>) {
    let out = Command::new(luasim_binary())
        .args(["run", "scenarios/fleet_sensor_gateway.yaml"])
        .current_dir(repo_root())
        .env_remove("RUST_LOG")
        .output()
        .expect("luasim runs");
    let text = String::from_utf8(out.stdout).expect("text");
    // Lua 5.3 mixes addresses into its string-hash seed, so its heap peaks move from one
    // process to the next (README, Determinism); every other line must not.
    let varies = |l: &str| l.starts_with("wall ") || (cfg!(feature = "lua53") && l.starts_with("lua heap"));
    (text.lines().filter(|l| !varies(l)).map(|l| format!("{l}\n")).collect(), out.status.code())
}

#[test]
fn the_bundled_fleet_passes_and_is_byte_identical_across_processes() {
    let (first, code) = run_bundled();
    assert_eq!(code, Some(0), "{first}");
    assert!(first.contains("verdict    PASS (fleet)"));
    let (second, _) = run_bundled();
    assert!(first == second, "two processes gave different output");
    let path = repo_root().join("scenarios/fleet_sensor_gateway.yaml");
    let scenario = Scenario::load(&path, &HostFiles).expect("loads");
    let report = runtime::run(&scenario, &RunOptions { keep_events: true, ..RunOptions::default() }).expect("runs");
    let in_process: String = trace_text(&report);
    assert!(first.starts_with(&in_process), "the library's trace is the binary's");
}

#[test]
fn perfetto_has_one_process_per_device() {
    let report = run_yaml(&fleet("1s", "", &[("pinger", PINGER, ""), ("listener", LISTENER, "")]));
    let mut json = Vec::new();
    luasim::export::perfetto::write("inline_fleet", &report.events, &mut json).expect("written to memory");
    let value: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    let processes: Vec<(u64, String)> = value["traceEvents"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| (e["pid"].as_u64().expect("pid"), e["args"]["name"].as_str().expect("name").to_string()))
        .collect();
    assert_eq!(processes, [(1, "inline_fleet: pinger".to_string()), (2, "inline_fleet: listener".to_string())]);
    let heard =
        value["traceEvents"].as_array().expect("events").iter().find(|e| e["name"] == "I/user.heard room/a/temp 21");
    assert_eq!(heard.expect("the listener's log line")["pid"], 2);
}

#[test]
fn a_saved_fleet_trace_exports_one_perfetto_process_per_device() {
    let dir = std::env::temp_dir().join(format!("luasim-fleet-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (trace, perfetto) = (dir.join("fleet.json"), dir.join("fleet.perfetto.json"));
    let run = Command::new(luasim_binary())
        .args(["run", "-q", "scenarios/fleet_sensor_gateway.yaml", "--trace-json"])
        .arg(&trace)
        .current_dir(repo_root())
        .output()
        .expect("luasim runs");
    assert!(run.status.success());
    let export = Command::new(luasim_binary()).args(["trace", "export"]).arg(&trace).output().expect("luasim runs");
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&perfetto).expect("written")).expect("JSON");
    let names: Vec<&str> = value["traceEvents"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["fleet: gateway", "fleet: sensor1", "fleet: sensor2"]);
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
