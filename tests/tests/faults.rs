//! Fault-injection steps (`docs/faults.md`): an MQTT outage drops publishes both ways and
//! re-delivers nothing, a task-watchdog reset reboots with wake cause `reset`, and a clock jump
//! moves `os.time()` but not the tick count.

use luasim_core::scenario::{HostFiles, Scenario};
use luasim_tests::*;
use std::path::Path;

#[test]
fn mqtt_disconnect_drops_publishes_and_incoming_messages_for_its_duration() {
    let r = run_yaml(
        r#"
name: outage
device: { profile: esp32, tick_hz: 1000, boot_ms: 1 }
duration: 10s
steps:
  - { at: 2s, mqtt_disconnect: { for: 3s } }
  - { at: 3s, mqtt: { topic: cmd/ping, payload: during } }
  - { at: 6s, mqtt: { topic: cmd/ping, payload: after } }
scripts:
  main.lua: |
    MQTT.subscribe("cmd/#", function(topic, payload) print("got", payload) end)
    sys.timerLoopStart(function()
      print("publish", Node.uptime(), MQTT.publish("dev/tick", tostring(Node.uptime())))
    end, 1500)
    sys.run()
"#,
    );
    assert_eq!(
        log_lines(&r),
        vec![
            "publish\t1501\ttrue",
            "W/mqtt publish dropped (disconnected): dev/tick 3001",
            "publish\t3001\tfalse",
            "W/mqtt publish dropped (disconnected): dev/tick 4501",
            "publish\t4501\tfalse",
            "got\tafter",
            "publish\t6001\ttrue",
            "publish\t7501\ttrue",
            "publish\t9001\ttrue",
        ]
    );
    let text = trace_text(&r);
    assert!(text.contains("inject   mqtt disconnected for 3.000000 s"), "{text}");
    assert!(text.contains("inject   lost while MQTT is disconnected: mqtt cmd/ping during"), "{text}");
    let published: Vec<_> = r.events.iter().filter_map(|e| e.mqtt_line()).collect();
    assert_eq!(published, vec!["dev/tick 1501", "dev/tick 6001", "dev/tick 7501", "dev/tick 9001"]);
}

#[test]
fn an_outage_that_starts_in_deep_sleep_still_holds_after_the_wake() {
    let r = run_yaml(
        r#"
name: outage_asleep
device: { profile: esp32, tick_hz: 1000, boot_ms: 1 }
duration: 10s
steps:
  - { at: 500ms, mqtt_disconnect: { for: 1s } }
scripts:
  main.lua: |
    print(Node.wakeCause(), MQTT.publish("dev/up", "x"))
    Node.deepSleep(999)
"#,
    );
    let lines = log_lines(&r);
    assert_eq!(
        lines[..4],
        ["power-on\ttrue", "W/mqtt publish dropped (disconnected): dev/up x", "timer\tfalse", "timer\ttrue"]
    );
}

#[test]
fn watchdog_reset_reboots_with_wake_cause_reset() {
    let r = run_yaml(
        r#"
name: wdt
device: { profile: esp32, tick_hz: 1000, boot_ms: 1 }
duration: 5s
steps:
  - { at: 2s, watchdog_reset: true }
scripts:
  main.lua: |
    print("boot", Node.wakeCause(), os.time())
    sys.run()
"#,
    );
    assert_eq!(log_lines(&r), vec!["boot\tpower-on\t0", "boot\treset\t2"]);
    assert_eq!(r.stats.boots, 2);
    assert!(trace_text(&r).contains("cause=reset (task watchdog) generation=2"), "{}", trace_text(&r));
    assert!(r.passed(), "a reset is not an error of the script");
}

#[test]
fn clock_jump_moves_os_time_but_not_ticks() {
    let r = run_yaml(
        r#"
name: jump
device: { profile: esp32, tick_hz: 1000, boot_ms: 1 }
duration: 5s
steps:
  - { at: 2s, clock_jump: { by: 1h } }
  - { at: 3s, clock_jump: { by: -90m } }
scripts:
  main.lua: |
    sys.timerLoopStart(function() print(os.time(), os.date("%H:%M:%S"), Node.uptime()) end, 1000)
    sys.run()
"#,
    );
    assert_eq!(
        log_lines(&r),
        vec!["1\t00:00:01\t1001", "3602\t01:00:02\t2001", "-1797\t23:30:03\t3001", "-1796\t23:30:04\t4001",]
    );
    assert!(trace_text(&r).contains("inject   wall clock jumps -5400.000000 s"));
}

#[test]
fn new_steps_are_checked_like_the_others() {
    let parse = |step: &str| {
        let yaml = format!(
            "name: s\ndevice: esp32\nscripts: {{ main.lua: \"\" }}\nduration: 1s\nsteps:\n  - {{ at: 1s, {step} }}\n"
        );
        Scenario::parse(&yaml, "s.yaml", Path::new("."), &HostFiles).map(|_| ()).map_err(|e| e.to_string())
    };
    assert_eq!(parse("mqtt_disconnect: { for: 30s }"), Ok(()));
    assert!(parse("mqtt_disconnect: { for: 30 }").unwrap_err().contains("`30` has no unit"));
    assert!(parse("mqtt_disconnect: {}").unwrap_err().contains("missing field `for`"));
    assert!(parse("watchdog_reset: false").unwrap_err().contains("does nothing"));
    assert!(parse("clock_jump: { by: 1 }").unwrap_err().contains("no unit"));
    assert!(parse("clock_jump: { by: 1h, to: 2h }").unwrap_err().contains("unknown field `to`"));
}

#[test]
fn repeat_cannot_build_a_schedule_beyond_the_host_budget() {
    let payload = "x".repeat(1000);
    let yaml = format!(
        "name: flood\ndevice: esp32\nscripts: {{ main.lua: \"\" }}\nduration: 1s\nsteps:\n  - {{ at: 1s, mqtt: {{ topic: a, payload: {payload} }}, repeat: 1000000 }}\n"
    );
    let err = Scenario::parse(&yaml, "flood.yaml", Path::new("."), &HostFiles).unwrap_err().to_string();
    assert!(err.starts_with("flood.yaml:6:5: steps[0]: with `repeat` the schedule holds 1000000 steps"), "{err}");
    let many = "  - { at: 1s, publish: [A], repeat: 600000 }\n".repeat(2);
    let yaml = format!("name: many\ndevice: esp32\nscripts: {{ main.lua: \"\" }}\nduration: 1s\nsteps:\n{many}");
    let err = Scenario::parse(&yaml, "many.yaml", Path::new("."), &HostFiles).unwrap_err().to_string();
    assert!(err.contains("steps[1]: with `repeat` the schedule holds 1200000 steps"), "{err}");
}
