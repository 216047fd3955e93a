//! Deep and light sleep, the sleep-region store (its API, budget and faults) and the energy
//! figures, as scripts see them.

use luasim_tests::*;

fn steps(device: &str, duration: &str, main_lua: &str, steps: &str) -> luasim_core::runtime::RunReport {
    run_yaml(&format!("{}steps:\n{steps}", scenario(device, duration, main_lua)))
}

#[test]
fn deep_sleep_loses_main_ram_keeps_the_region_and_boots_again() {
    let r = run_main(
        "5s",
        r#"
print(Node.wakeCause(), tostring(counter), RTC.get("n"), Node.uptime())
counter = 1
RTC.set("n", (RTC.get("n") or 0) + 1)
sys.timerStart(print, 100, "never: timers die with main RAM")
Node.deepSleep(2000)
"#,
    );
    assert_eq!(
        logs(&r),
        vec![
            (1_000, "power-on\tnil\tnil\t1".to_string()),
            (2_002_000, "timer\tnil\t1\t1".to_string()),
            (4_003_000, "timer\tnil\t2\t1".to_string()),
        ]
    );
    let text = trace_text(&r);
    assert!(text.contains("sleep    deep 2000 ms"));
    // header 16 + key "n" (3) + int8 (2)
    assert!(text.contains("boot     profile=esp32 tick_hz=1000 cause=timer generation=2 region=ok 21 bytes"), "{text}");
}

#[test]
fn a_gpio_edge_wakes_deep_sleep_early_and_other_steps_are_missed() {
    let r = steps(
        "{ profile: esp32, tick_hz: 1000, boot_ms: 1 }",
        "10s",
        "print(Node.wakeCause())\nNode.deepSleep()",
        "  - { at: 2s, mqtt: { topic: a/b, payload: x } }\n  - { at: 3s, gpio: 4 }\n",
    );
    assert_eq!(logs(&r), vec![(1_000, "power-on".to_string()), (3_001_000, "gpio".to_string())]);
    let text = trace_text(&r);
    assert!(text.contains("inject   missed while asleep: mqtt a/b x"), "{text}");
    assert!(text.contains("inject   gpio 4 (wakes the device)"));
}

#[test]
fn light_sleep_keeps_everything_and_timers_still_fire() {
    let r = steps(
        "{ profile: esp32, tick_hz: 1000, boot_ms: 1 }",
        "5s",
        r#"
local x = 42
sys.timerStart(function() print("timer", Node.uptime()) end, 500)
sys.taskInit(function()
  print("slept", Node.lightSleep(1000), x, Node.uptime())
  print("slept", Node.lightSleep(2000), Node.uptime())
end)
sys.run()
"#,
        "  - { at: 2500ms, gpio: 1 }\n",
    );
    assert_eq!(log_lines(&r), vec!["slept\ttimer\t42\t1001", "slept\tgpio\t2500", "timer\t2500"]);
}

#[test]
fn the_store_keeps_nested_values_and_refuses_what_it_cannot_keep() {
    let r = run_main(
        "1s",
        r#"
RTC.set("t", { 1, 2.5, "x", true, nested = { deep = "yes" } })
local t = RTC.get("t")
print(t[1], t[2], t[3], t[4], t.nested.deep, RTC.status(), RTC.used(), RTC.free())
local cyc = {} cyc.me = cyc
print(select(2, pcall(RTC.set, "c", cyc)))
print(select(2, pcall(RTC.set, "f", { print })))
print(select(2, pcall(RTC.set, "k", { [true] = 1 })))
RTC.remove("t")
print(RTC.get("t"), #RTC.keys(), RTC.used())
"#,
    );
    let lines = log_lines(&r);
    // header 16, key 3, table 3 + [1] 4 + [2] 11 + [3] 5 + [4] 3 + nested 8 + 14
    assert_eq!(lines[0], "1\t2.5\tx\ttrue\tyes\tok\t67\t16317");
    assert_eq!(lines[1], "RTC.set: cannot store 'c': the table contains itself (a cycle)");
    assert_eq!(lines[2], "RTC.set: cannot store 'f': a function cannot be kept in the sleep region");
    assert_eq!(lines[3], "RTC.set: cannot store 'k': table keys must be integers or strings, not boolean");
    assert_eq!(lines[4], "nil\t0\t16");
}

#[test]
fn a_write_past_the_budget_fails_at_the_exact_byte() {
    // header 16 + key "s" (3) + a string of n bytes (3 + n with the 2-byte length): 22 + n
    let r = run_main(
        "1s",
        r#"
print(pcall(RTC.set, "s", string.rep("x", 16362)), RTC.used())
local ok, err = pcall(RTC.set, "s", string.rep("x", 16363))
print(ok, err, RTC.used())
"#,
    );
    assert_eq!(log_lines(&r), vec![
        "true\t16384".to_string(),
        "false\tRTC.set: storing 's' wants 16369 bytes but only 16368 of the 16384-byte sleep region are free\t16384".to_string(),
    ]);
}

#[test]
fn brownout_and_power_loss_clear_the_region_and_a_torn_write_is_caught() {
    let script = "print(Node.wakeCause(), RTC.status(), RTC.get('n'))\nRTC.set('n', 7)\nNode.deepSleep(1000)";
    let r = steps("{ profile: esp32, boot_ms: 10 }", "5s", script, "  - { at: 1500ms, brownout: true }\n");
    assert_eq!(log_lines(&r)[..4], ["power-on\tempty\tnil", "timer\tok\t7", "brownout\tempty\tnil", "timer\tok\t7"]);
    let r = steps("{ profile: esp32, boot_ms: 10 }", "5s", script, "  - { at: 500ms, power_loss: { off: 1s } }\n");
    assert_eq!(logs(&r)[1], (1_510_000, "power-on\tempty\tnil".to_string()));
    let r = steps(
        "{ profile: esp32, boot_ms: 10 }",
        "5s",
        script,
        "  - { at: 500ms, power_loss: { during_write: true } }\n",
    );
    assert_eq!(log_lines(&r)[..3], ["power-on\tempty\tnil", "timer\tok\t7", "power-on\tcorrupt\tnil"]);
    assert!(trace_text(&r).contains("region=corrupt 0 bytes"));
}

#[test]
fn a_power_cut_during_boot_or_light_sleep_takes_effect_at_its_instant() {
    // boot lasts 100 ms; the supply goes at 50 ms into the second boot (deep sleep ends at 1.1 s)
    let script = "print(Node.wakeCause(), Node.uptime())\nNode.deepSleep(1000)";
    let r = steps("{ profile: esp32, boot_ms: 100 }", "3s", script, "  - { at: 1150ms, power_loss: { off: 1s } }\n");
    assert_eq!(
        logs(&r),
        vec![(100_000, "power-on\t100".to_string()), (2_250_000, "power-on\t100".to_string())],
        "off from 1.15 s to 2.15 s, then a 100 ms boot: {}",
        trace_text(&r)
    );
    // light sleep until 2 s; the cut at 1 s ends it there, and the later step is missed while off
    let script = "print(Node.wakeCause(), Node.uptime())\nNode.lightSleep(1900)\nprint('awake')";
    let r = steps(
        "{ profile: esp32, boot_ms: 100 }",
        "3s",
        script,
        "  - { at: 1s, brownout: true }\n  - { at: 1500ms, publish: [X] }\n",
    );
    assert_eq!(logs(&r), vec![(100_000, "power-on\t100".to_string()), (1_100_000, "brownout\t100".to_string())]);
}

#[test]
fn energy_is_time_in_each_state_times_its_current() {
    // esp32: boot 45 mA for 100 ms, awake 40 mA for 900 ms, deep sleep 10 µA for 9 s.
    let r = run_yaml(&format!(
        "{}battery_mah: 100\n",
        scenario("{ profile: esp32, boot_ms: 100 }", "10s", "sys.timerStart(Node.deepSleep, 900)\nsys.run()")
    ));
    let e = &r.stats.energy;
    assert_eq!((e.boot_us, e.active_us, e.deep_sleep_us), (100_000, 900_000, 9_000_000));
    let expected_mah = (0.1 * 45.0 + 0.9 * 40.0 + 9.0 * 0.010) / 3600.0;
    assert!((e.charge_mah - expected_mah).abs() < 1e-12, "{e:?}");
    let days = r.stats.battery_days.unwrap();
    assert!((days - 100.0 / (expected_mah * 8640.0)).abs() < 1e-9);
}
