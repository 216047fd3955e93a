//! Every firmware binding: normal use, and the exact message a script sees for bad arguments
//! (raised at the script's own line, like the device's `luaL_argerror`).

use luasim_tests::*;

/// Runs `main_lua` on an esp32s3 (which has Telegram and GNSS) with some config, and returns
/// its printed lines.
fn lines_of(main_lua: &str) -> Vec<String> {
    let yaml = format!(
        "{}config:\n  mqtt: {{ prefix: dev1 }}\n  alerts: {{ limit: 80, names: [a, b] }}\ngnss: {{ lat: 47.5, lon: 8.25 }}\nip: 10.0.0.7\n",
        scenario("{ profile: esp32s3, boot_ms: 1 }", "5s", main_lua)
    );
    log_lines(&run_yaml(&yaml))
}

/// `pcall(f, ...)` printed as `false <message>`.
fn error_of(call: &str) -> String {
    let lines = lines_of(&format!("print(select(2, pcall(function() {call} end)))"));
    lines.into_iter().next().expect("one line")
}

#[test]
fn argument_errors_read_like_the_devices() {
    assert_eq!(
        error_of("MQTT.publish()"),
        "/scripts/main.lua:1: bad argument #1 to 'publish' (string expected, got no value)"
    );
    assert_eq!(
        error_of("MQTT.publish('t', {})"),
        "/scripts/main.lua:1: bad argument #2 to 'publish' (string expected, got table)"
    );
    assert_eq!(
        error_of("MQTT.subscribe('a/#/b', print)"),
        "/scripts/main.lua:1: bad argument #1 to 'subscribe' (invalid topic filter 'a/#/b')"
    );
    assert_eq!(
        error_of("MQTT.subscribe('a/b', 5)"),
        "/scripts/main.lua:1: bad argument #2 to 'subscribe' (function expected, got number)"
    );
    assert_eq!(
        error_of("EventBus.subscribe(nil, print)"),
        "/scripts/main.lua:1: bad argument #1 to 'subscribe' (string expected, got nil)"
    );
    assert_eq!(
        error_of("Config.get()"),
        "/scripts/main.lua:1: bad argument #1 to 'get' (string expected, got no value)"
    );
    assert_eq!(
        error_of("Node.setTimeout('x', print)"),
        "/scripts/main.lua:1: bad argument #1 to 'setTimeout' (number expected, got string)"
    );
    assert_eq!(
        error_of("Node.setTimeout(1.5, print)"),
        "/scripts/main.lua:1: bad argument #1 to 'setTimeout' (number has no integer representation)"
    );
    assert_eq!(
        error_of("Node.setTimeout(-1, print)"),
        "/scripts/main.lua:1: bad argument #1 to 'setTimeout' (timeout must be >= 0 ms, got -1)"
    );
    assert_eq!(
        error_of("Log.info()"),
        "/scripts/main.lua:1: bad argument #1 to 'info' (string expected, got no value)"
    );
    assert_eq!(
        error_of("JSON.decode(true)"),
        "/scripts/main.lua:1: bad argument #1 to 'decode' (string expected, got boolean)"
    );
    assert_eq!(error_of("JSON.encode()"), "/scripts/main.lua:1: bad argument #1 to 'encode' (value expected)");
    assert_eq!(
        error_of("Telegram.send(1)"),
        "/scripts/main.lua:1: bad argument #2 to 'send' (string expected, got no value)"
    );
    assert_eq!(
        error_of("rtos.timer_start(nil, 5)"),
        "/scripts/main.lua:1: bad argument #1 to 'timer_start' (number expected, got nil)"
    );
    assert_eq!(
        error_of("rtos.receive(-5)"),
        "/scripts/main.lua:1: bad argument #1 to 'receive' (timeout must be >= 0 or rtos.INF_TIMEOUT, got -5)"
    );
    assert_eq!(error_of("log.setLevel('LOUD')"), "/scripts/main.lua:1: bad argument #1 to 'setLevel' (unknown level 'LOUD'; use DEBUG, INFO, WARN, ERROR or SILENT)");
}

#[test]
fn an_uncaught_binding_error_names_the_script_line() {
    let r = run_main("1s", "local x = 1\nMQTT.publish(nil, 'x')\n");
    let text = trace_text(&r);
    assert!(text.contains("ERROR    script /scripts/main.lua: /scripts/main.lua:2: bad argument #1 to 'publish' (string expected, got nil)"), "{text}");
}

#[test]
fn log_prints_firmware_style_lines() {
    let r = run_main("1s", "Log.info('hello', 42)\nLog.warn('careful')\nLog.error('broken')");
    assert_eq!(log_lines(&r), vec!["I/lua hello 42", "W/lua careful", "E/lua broken"]);
}

#[test]
fn config_reads_dotted_paths() {
    let lines = lines_of("print(Config.get('alerts.limit'), Config.get('mqtt.prefix'), Config.get('alerts.names')[2], Config.get('no.such.key'), Config.get('alerts.limit.deeper'))");
    assert_eq!(
        lines,
        vec![
            "W/config no key 'no.such.key' in the config: nil",
            "W/config no key 'alerts.limit.deeper' in the config: nil",
            "80\tdev1\tb\tnil\tnil",
        ]
    );
}

#[test]
fn a_missing_key_warns_once_per_state_for_the_first_sixteen_keys() {
    let lines = lines_of(
        "for round = 1, 2 do for i = 1, 17 do Config.get('k' .. i) end end\n\
         Config.get('alerts.limit')\n\
         print('done')",
    );
    let warned =
        |key: &str| lines.iter().filter(|l| **l == format!("W/config no key '{key}' in the config: nil")).count();
    assert_eq!(warned("k1"), 1, "{lines:?}");
    assert_eq!(warned("k16"), 1);
    assert_eq!(warned("k17"), 2, "past the remembered keys every read warns");
    assert_eq!(lines.len(), 16 + 2 + 1);
}

#[test]
fn a_reloaded_state_warns_again() {
    let yaml = format!(
        "{}steps:\n  - {{ at: 1s, reload: true }}\n",
        scenario("{ profile: esp32, boot_ms: 1 }", "2s", "Config.get('missing'); Config.get('missing')")
    );
    let warnings: Vec<_> = logs(&run_yaml(&yaml)).into_iter().filter(|(_, l)| l.starts_with("W/config")).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn config_steps_change_values_at_their_time() {
    let yaml = format!(
        "{}config: {{ alerts: {{ limit: 80 }} }}\nsteps:\n  - {{ at: 2s, config: {{ alerts.limit: 65, alerts.mode: eco }} }}\n",
        scenario(
            "{ profile: esp32, boot_ms: 1 }",
            "3s",
            "Node.setTimeout(1000, function() print(Config.get('alerts.limit')) end)\nNode.setTimeout(2500, function() print(Config.get('alerts.limit'), Config.get('alerts.mode')) end)"
        )
    );
    let r = run_yaml(&yaml);
    assert_eq!(logs(&r), vec![(1_001_000, "80".to_string()), (2_501_000, "65\teco".to_string())]);
}

#[test]
fn node_reports_uptime_ip_and_runs_timeouts_on_the_virtual_clock() {
    let r = run_main(
        "2s",
        r#"
print(Node.ip(), Node.uptime())
Node.setTimeout(250, function() print("timeout", Node.uptime()) end)
Node.setTimeout(0, function() print("soon") end)
"#,
    );
    assert_eq!(
        logs(&r),
        vec![(1_000, "192.168.4.2\t1".to_string()), (1_000, "soon".to_string()), (251_000, "timeout\t251".to_string()),]
    );
}

#[test]
fn node_restart_reboots_the_device() {
    let r = run_main("2s", "print('boot', Node.uptime())\nNode.setTimeout(500, Node.restart)");
    assert_eq!(r.stats.boots, 4);
    assert_eq!(times_of(&r, "boot"), vec![1_000, 502_000, 1_003_000, 1_504_000]);
    assert!(trace_text(&r).contains("cause=reset (Node.restart)"));
}

#[test]
fn mqtt_publish_is_traced_and_subscriptions_match_wildcards() {
    let yaml = format!(
        "{}steps:\n  - {{ at: 1s, mqtt: {{ topic: home/boiler/temp, payload: '71' }} }}\n  - {{ at: 2s, mqtt: {{ topic: home/cellar/hum, payload: '40' }} }}\n",
        scenario(
            "{ profile: esp32, boot_ms: 1 }",
            "3s",
            r#"
MQTT.subscribe("home/+/temp", function(topic, payload) print("plus", topic, payload) end)
MQTT.subscribe("home/#", function(topic, payload) print("hash", topic, payload) end)
MQTT.subscribe("other", function() print("never") end)
print(MQTT.publish("home/status", "online"))
"#
        )
    );
    let r = run_yaml(&yaml);
    assert_eq!(
        log_lines(&r),
        vec!["true", "plus\thome/boiler/temp\t71", "hash\thome/boiler/temp\t71", "hash\thome/cellar/hum\t40"]
    );
    assert!(trace_text(&r).contains("mqtt>    home/status online"));
}

#[test]
fn eventbus_delivers_the_data_table() {
    let yaml = format!(
        "{}steps:\n  - {{ at: 1s, event: {{ name: sensor.temperature, data: {{ value: 85.5, sensor: flue, ok: true, tags: [x, y] }} }} }}\n",
        scenario(
            "{ profile: esp32, boot_ms: 1 }",
            "2s",
            "EventBus.subscribe('sensor.temperature', function(d) print(d.value, d.sensor, d.ok, #d.tags, d.tags[1]) end)\nEventBus.subscribe('sensor.other', function() print('never') end)"
        )
    );
    assert_eq!(log_lines(&run_yaml(&yaml)), vec!["85.5\tflue\ttrue\t2\tx"]);
}

#[test]
fn json_round_trips_and_reports_bad_input() {
    let lines = lines_of(
        r#"
local t = JSON.decode('{"a": [1, 2.5, "x", null, true], "b": {"c": -3}}')
print(t.a[1], t.a[2], t.a[3], t.a[4], t.a[5], t.b.c)
print(JSON.encode({ z = 1, a = { 1, 2, 3 }, m = "q\"", f = 0.5 }))
print(JSON.decode("{bad"))
print(JSON.decode(string.rep("[", 200) .. string.rep("]", 200)))
print(JSON.encode({ f = print }))
local cyc = {} cyc.self = cyc
print(JSON.encode(cyc))
print(JSON.encode(0/0))
"#,
    );
    assert_eq!(lines[0], "1\t2.5\tx\tnil\ttrue\t-3");
    assert_eq!(lines[1], r#"{"a":[1,2,3],"f":0.5,"m":"q\"","z":1}"#);
    assert!(lines[2].starts_with("nil\tJSON.decode: key must be a string"), "{}", lines[2]);
    assert!(lines[3].starts_with("nil\tJSON.decode: recursion limit exceeded"), "{}", lines[3]);
    assert_eq!(lines[4], "nil\tJSON.encode: cannot encode a function");
    assert_eq!(lines[5], "nil\tJSON.encode: nesting deeper than 100 levels (or a cycle)");
    assert_eq!(lines[6], "nil\tJSON.encode: cannot encode nan");
}

#[test]
fn optional_modules_exist_only_in_builds_that_have_them() {
    let with = lines_of("print(type(Telegram), type(GNSS))\nprint(Telegram.send(42, 'hi'), Telegram.broadcast('all'))\nlocal f = GNSS.lastFix()\nprint(f.lat, f.lon)");
    assert_eq!(with, vec!["table\ttable", "true\ttrue", "47.5\t8.25"]);
    let without = run_main("1s", "print(Telegram, GNSS)");
    assert_eq!(log_lines(&without), vec!["nil\tnil"]);
    let yaml = format!("{}modules: [gnss]\n", scenario("esp32", "1s", "print(Telegram, type(GNSS), GNSS.lastFix())"));
    assert_eq!(log_lines(&run_yaml(&yaml)), vec!["nil\ttable\tnil"]);
}

#[test]
fn gnss_steps_update_and_lose_the_fix() {
    let yaml = format!(
        "{}modules: [gnss]\nsteps:\n  - {{ at: 1s, gnss: {{ lat: 1.5, lon: 2 }} }}\n  - {{ at: 2s, gnss: lost }}\n",
        scenario(
            "{ profile: esp32, boot_ms: 1 }",
            "3s",
            "for _, t in ipairs({500, 1500, 2500}) do Node.setTimeout(t, function() local f = GNSS.lastFix(); print(f and f.lat) end) end"
        )
    );
    assert_eq!(log_lines(&run_yaml(&yaml)), vec!["nil", "1.5", "nil"]);
}

#[test]
fn telegram_sends_are_traced() {
    let r = run_yaml(&scenario("esp32s3", "1s", "Telegram.send(12345, 'to one')\nTelegram.broadcast('to all')"));
    let text = trace_text(&r);
    assert!(text.contains("telegram 12345: to one"));
    assert!(text.contains("telegram broadcast: to all"));
}

#[test]
fn a_failing_callback_is_traced_with_its_traceback_and_the_device_goes_on() {
    let yaml = format!(
        "{}expect:\n  - error: \"callback EventBus tick\"\n  - log: after\nsteps:\n  - {{ at: 1s, event: {{ name: tick }} }}\n",
        scenario(
            "{ profile: esp32, boot_ms: 1 }",
            "3s",
            "EventBus.subscribe('tick', function() local t = nil; return t.x end)\nNode.setTimeout(2000, function() print('after') end)"
        )
    );
    let r = run_yaml(&yaml);
    assert!(r.passed(), "{:?}", r.outcomes);
    let text = trace_text(&r);
    assert!(text.contains("ERROR    callback EventBus tick: /scripts/main.lua:1: attempt to index a nil value (local 't')\\nstack traceback:"), "{text}");
}

#[test]
fn dofile_reaches_only_the_device_files_and_io_is_absent() {
    let lines =
        lines_of("print(pcall(dofile, '/etc/passwd'))\nprint(pcall(function() return io.open('/etc/passwd') end))");
    assert_eq!(lines[0], "false\tcannot open /etc/passwd (no such file on the device)");
    assert_eq!(lines[1], "false\t/scripts/main.lua:2: attempt to index a nil value (global 'io')");
}
