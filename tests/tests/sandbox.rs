//! The sandboxed device state: no host files, processes or binary chunks; the watchdog stops
//! runaway Lua in virtual CPU time even through `pcall`; the heap limit holds.

use luasim_tests::*;

#[test]
fn host_escapes_are_gone() {
    let r = run_main(
        "1s",
        r#"
print(io, os.execute, os.exit, os.getenv, os.remove, string.dump, package.loadlib, debug.getinfo, debug.sethook)
print(pcall(dofile, "/etc/passwd"))
print(pcall(require, "os.path"))
print(load("\27Lua"))
print(loadfile("../../../../etc/passwd"))
print(type(debug.traceback), type(require("sys").run))
"#,
    );
    let lines = log_lines(&r);
    assert_eq!(lines[0], "nil\tnil\tnil\tnil\tnil\tnil\tnil\tnil\tnil");
    assert_eq!(lines[1], "false\tcannot open /etc/passwd (no such file on the device)");
    assert_eq!(lines[2], "false\tmodule 'os.path' not found: no file /scripts/os/path.lua on the device");
    assert_eq!(lines[3], "nil\tattempt to load a binary chunk (the device loads source text only)");
    assert_eq!(lines[4], "nil\tcannot open ../../../../etc/passwd (no such file on the device)");
    assert_eq!(lines[5], "function\tfunction");
}

#[test]
fn dofile_and_require_read_the_device_file_system() {
    let r = run_yaml(
        r#"
name: files
device: esp32
duration: 1s
scripts:
  main.lua: |
    dofile("/scripts/other.lua")
    local m = require("lib.util")
    print(m.twice(21), require("lib.util") == m)
  other.lua: print("other ran")
  lib/util.lua: return { twice = function(x) return 2 * x end }
"#,
    );
    assert_eq!(log_lines(&r), vec!["other ran", "42\ttrue"]);
    assert!(trace_text(&r).contains("script   /scripts/lib/util.lua"));
}

#[test]
fn clock_functions_run_on_virtual_time() {
    let r = run_main(
        "10s",
        r#"
sys.taskInit(function()
  sys.wait(2500)
  print(os.time(), os.clock(), os.date("%Y-%m-%d %H:%M:%S"), os.time{year=2000, month=1, day=1, hour=0})
end)
sys.run()
"#,
    );
    assert_eq!(log_lines(&r), vec!["2\t2.501\t1970-01-01 00:00:02\t946684800"]);
}

#[test]
fn math_random_follows_the_scenario_seed() {
    let script = "print(math.random(1, 1000000), math.random(1, 1000000))";
    let with_seed = |seed: u64| {
        let yaml = format!("{}seed: {seed}\n", scenario("esp32", "1s", script));
        log_lines(&run_yaml(&yaml))
    };
    assert_eq!(with_seed(7), with_seed(7));
    assert_ne!(with_seed(7), with_seed(8));
}

#[test]
fn the_watchdog_stops_a_runaway_loop_and_names_file_and_line() {
    let r = run_main("10s", "local x = 0\nwhile true do\n  x = x + 1\nend\n");
    assert!(!r.passed());
    assert_eq!(r.stats.end_reason, "watchdog");
    let text = trace_text(&r);
    assert!(text.contains("ERROR    watchdog: Lua ran for more than 5000 ms of CPU time (~40000000 instructions) without yielding, at /scripts/main.lua:"), "{text}");
}

#[test]
fn pcall_cannot_swallow_the_watchdog() {
    let r = run_main(
        "10s",
        r#"
local function spin() while true do end end
while true do
  pcall(spin)
  pcall(spin)
end
"#,
    );
    assert_eq!(r.stats.end_reason, "watchdog");
}

#[test]
fn a_runaway_task_is_caught_too() {
    let r = run_main(
        "10s",
        r#"
sys.taskInit(function() sys.wait(100); while true do end end)
sys.run()
"#,
    );
    assert_eq!(r.stats.end_reason, "watchdog");
    assert!(trace_text(&r).contains("at /scripts/main.lua:2"));
}

#[test]
fn memory_bombs_hit_the_device_heap_limit() {
    let r = run_main(
        "1s",
        r#"
print(pcall(string.rep, "x", 1e9))
local t = {}
local ok, err = pcall(function() for i = 1, 1e9 do t[i] = i end end)
t = nil
collectgarbage()
print(ok, err)
"#,
    );
    let lines = log_lines(&r);
    // Lua 5.3 says "not enough memory for buffer allocation" here.
    assert!(lines[0].starts_with("false\tnot enough memory"), "{lines:?}");
    assert_eq!(lines[1], "false\tnot enough memory");
    assert!(r.stats.heap_peak_bytes <= r.stats.heap_limit_bytes);
}

#[test]
fn deep_recursion_ends_in_a_lua_error() {
    let r = run_main(
        "1s",
        r#"
local function f(n) return f(n + 1) + 1 end
print(pcall(f, 1))
local function g() return pcall(g) end
print(pcall(g))
"#,
    );
    let lines = log_lines(&r);
    assert!(
        lines[0].starts_with("false\t")
            && (lines[0].contains("stack overflow") || lines[0].contains("not enough memory")),
        "{lines:?}"
    );
    assert!(lines[1].starts_with("true\tfalse\t") || lines[1].contains("C stack overflow"), "{lines:?}");
}
