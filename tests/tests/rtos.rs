//! The `rtos` module's contract (brief §2): timer slots, queue overflow, repeat semantics,
//! same-tick order, ms→tick rounding and the 32-bit tick wrap.

use luasim_tests::*;

#[test]
fn the_65th_concurrent_timer_is_refused_and_sys_wait_returns_at_once() {
    let r = run_main(
        "3s",
        r#"
for i = 1, 64 do assert(rtos.timer_start(1000 + i, 1000) == 1) end
print("65th", rtos.timer_start(2000, 1000))
sys.taskInit(function()
  sys.wait(500)
  print("wait returned")
end)
sys.run()
"#,
    );
    let lines = log_lines(&r);
    assert!(lines.contains(&"65th\t0".to_string()), "{lines:?}");
    let t = times_of(&r, "wait returned");
    assert_eq!(t, vec![1_000], "sys.wait must return at once, at boot end (1 ms)");
    assert!(trace_text(&r).contains("refused: no free timer slot"));
    assert_eq!(r.stats.timers_peak, 64);
}

#[test]
fn the_257th_pending_message_is_dropped_and_counted() {
    // 300 messages posted by the firmware in one instant: the Lua task cannot take any of them
    // before the queue (256) is full.
    let mut yaml = scenario(
        "{ profile: esp32, tick_hz: 1000, boot_ms: 1 }",
        "1s",
        "local n = 0\nsys.subscribe(\"burst\", function(i) n = n + 1 end)\nsys.timerStart(function() print(\"got\", n) end, 500)\nsys.run()",
    );
    yaml.push_str("steps:\n");
    for i in 1..=300 {
        yaml.push_str(&format!("  - {{ at: 100ms, publish: [burst, {i}] }}\n"));
    }
    let r = run_yaml(&yaml);
    assert_eq!(r.stats.queue_drops, 44);
    assert_eq!(r.stats.queue_peak, 256);
    assert_eq!(log_lines(&r), vec!["got\t256"]);
    let text = trace_text(&r);
    let first_drop = text.lines().find(|l| l.contains(" drop ")).unwrap();
    assert!(first_drop.contains(r#"publish "burst" 257 (queue full, depth=256)"#), "{first_drop}");
    assert_eq!(text.lines().filter(|l| l.contains(" drop ")).count(), 44);
}

#[test]
fn firmware_loop_drains_the_queue_when_no_script_receives() {
    // main.lua returns: the firmware's Lua task still takes messages, so nothing is dropped.
    let r = run_main("1s", "for i = 1, 64 do rtos.timer_start(i, 10, -1) end");
    assert_eq!(r.stats.queue_drops, 0);
}

#[test]
fn n_repeat_fires_n_plus_one_times_with_remaining_counts() {
    let r = run_main(
        "1s",
        r#"
rtos.timer_start(7, 100, 2)
while true do
  local msg, id, rep = rtos.receive(rtos.INF_TIMEOUT)
  print(msg == rtos.MSG_TIMER, id, rep)
end
"#,
    );
    assert_eq!(log_lines(&r), vec!["true\t7\t2", "true\t7\t1", "true\t7\t0"]);
    assert_eq!(times_of(&r, "true\t7"), vec![101_000, 201_000, 301_000]);
}

#[test]
fn forever_timer_does_not_drift_and_reports_minus_one() {
    let r = run_main(
        "1s",
        r#"
rtos.timer_start(1, 300, -1)
while true do
  local _, id, rep = rtos.receive(rtos.INF_TIMEOUT)
  print(id, rep)
end
"#,
    );
    assert_eq!(times_of(&r, "1\t-1"), vec![301_000, 601_000, 901_000]);
}

#[test]
fn timers_due_in_the_same_tick_fire_in_freertos_order() {
    let r = run_main(
        "1s",
        r#"
rtos.timer_start(30, 100)
rtos.timer_start(10, 100)
rtos.timer_start(20, 50)
rtos.timer_start(20, 100) -- re-arming moves 20 behind 10
for _ = 1, 3 do
  local _, id = rtos.receive(rtos.INF_TIMEOUT)
  print(id)
end
"#,
    );
    assert_eq!(log_lines(&r), vec!["30", "10", "20"]);
}

#[test]
fn receive_times_out_with_the_timeout_marker_at_the_tick() {
    let r = run_main(
        "1s",
        r#"
print(rtos.receive(250) == rtos.MSG_TIMEOUT)
print(rtos.receive(0) == rtos.MSG_TIMEOUT)
"#,
    );
    assert_eq!(logs(&r), vec![(251_000, "true".to_string()), (251_000, "true".to_string())]);
}

#[test]
fn bad_delays_are_refused() {
    let r = run_main(
        "1s",
        r#"
print(rtos.timer_start(1, 0), rtos.timer_start(2, -5), rtos.timer_start(3, 2^40))
print(pcall(rtos.timer_start, 4, 0/0))
"#,
    );
    let lines = log_lines(&r);
    assert_eq!(lines[0], "0\t0\t0");
    assert!(lines[1].starts_with("false\t"), "NaN is a Lua error, not a timer: {lines:?}");
}

#[test]
fn ms_round_up_to_whole_ticks_at_100_hz() {
    let r = run_yaml(&scenario(
        "{ profile: esp32, tick_hz: 100, boot_ms: 10 }",
        "1s",
        r#"
rtos.timer_start(1, 5)    -- 0.5 tick -> 1 tick
rtos.timer_start(2, 15)   -- 1.5 ticks -> 2 ticks
while true do local _, id = rtos.receive(rtos.INF_TIMEOUT); print(id) end
"#,
    ));
    assert_eq!(logs(&r), vec![(20_000, "1".to_string()), (30_000, "2".to_string())]);
    assert!(trace_text(&r).contains("id=1 ms=5 ticks=1"));
}

#[test]
fn timers_straddling_the_32_bit_tick_wrap_fire_on_time() {
    let yaml = format!(
        "{}start_tick: 4294967000\n",
        scenario(
            "{ profile: esp32, tick_hz: 1000, boot_ms: 1 }",
            "2s",
            r#"
sys.taskInit(function()
  for i = 1, 3 do sys.wait(200); print("tick", i) end
end)
sys.timerStart(function() print("one-shot") end, 500)
sys.run()
"#
        )
    );
    let r = run_yaml(&yaml);
    assert_eq!(times_of(&r, "tick"), vec![201_000, 401_000, 601_000]);
    assert_eq!(times_of(&r, "one-shot"), vec![501_000]);
    let text = trace_text(&r);
    // tick 4294967000 + 1 (boot) + 400 = 105 after the wrap
    assert!(text.contains("      0.401000        105 log      tick\\t2"), "{text}");
}

#[test]
fn meminfo_and_version() {
    let r = run_main("1s", "local t, u, m = rtos.meminfo(); print(t, u > 0, m >= u, rtos.version())");
    assert_eq!(log_lines(&r), vec!["131072\ttrue\ttrue\tLuaSys-1.0.0"]);
}

#[test]
fn reboot_starts_a_fresh_state_and_keeps_time() {
    let r = run_main(
        "3s",
        r#"
boots = (boots or 0) + 1
print("boot", boots, os.clock())
sys.timerStart(rtos.reboot, 1000)
sys.run()
"#,
    );
    assert_eq!(times_of(&r, "boot 1"), Vec::<u64>::new());
    assert_eq!(log_lines(&r).iter().filter(|l| l.starts_with("boot\t1\t")).count(), 3, "globals do not survive");
    assert_eq!(r.stats.boots, 3);
    assert_eq!(times_of(&r, "boot"), vec![1_000, 1_002_000, 2_003_000]);
}
