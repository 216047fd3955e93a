//! The `luatos` profile (issue 23): LuatOS scripts run unchanged, with LuatOS's libraries and
//! semantics, one test per point of the issue, each against what LuatOS's sources show (the
//! file is named in the test's comment; paths are in openLuat/LuatOS). The LuaSys-style
//! profiles keep their own behaviour (checked alongside).

use luasim_check::api::DeviceApi;
use luasim_core::runtime::RunReport;
use luasim_core::time::Micros;
use luasim_tests::*;

/// Runs one inline `main.lua` on the `luatos` profile (boot 250 ms, 100 Hz tick).
fn luatos(duration: &str, main_lua: &str) -> RunReport {
    run_yaml(&scenario("luatos", duration, main_lua))
}

/// What the script printed, in order, up to the end of the Lua VM (on LuatOS, a `main.lua`
/// that returns ends the VM too: `Lua VM exit!! reboot in 15000ms`).
fn printed(report: &RunReport) -> Vec<String> {
    log_lines(report).into_iter().take_while(|l| !l.starts_with("E/main Lua VM exit")).collect()
}

const MS: Micros = 1_000;

// 1. json — components/lua-cjson/lua_cjson.c: l_json_decode_safe returns `obj, 1` or
// `nil, false, err`; l_json_encode_safe returns "" for nil, formats floats with "%.7f" unless
// given "<n>f|g", returns `nil, err` on failure; `null` is the NULL light userdata; numbers
// without '.' are read with strtoll, which stops at an exponent.
#[test]
fn json_has_luatos_return_conventions_null_and_float_formats() {
    let r = luatos(
        "1s",
        r#"
local t, ok = json.decode('{"a":1,"b":[1,2.5,null],"c":"x\\/y"}')
print(ok, t.a, math.type(t.a), t.b[2], t.b[3] == json.null, #t.b, t.c)
print(json.decode("[1,"))
print(json.decode("1e5"))
print(json.decode('"abc'))
print(json.encode(nil) == "", json.encode({1, 2.5, "a/b", json.null, true}))
print(json.encode({x = 1/3}, "3f"), json.encode({0.1}, "12g"), json.encode({1}, "bad"))
print(json.encode({f = print}))
print(json.encode({[1] = 1, [20] = 2}))
print(json.encode({}), json.encode("q\"\1\127"), json.encode(0.0), json.encode(-7))
"#,
    );
    assert_eq!(
        printed(&r),
        [
            "1 1 integer 2.5 true 3 x/y",
            "nil false Expected value but found T_END at character 4",
            "nil false Expected the end but found invalid token at character 2",
            "nil false Expected value but found unexpected end of string at character 5",
            "true [1,2.5000000,\"a/b\",null,true]",
            "{\"x\":0.333} [0.1] nil invalid float format",
            "nil Cannot serialise function: type not supported",
            "nil Cannot serialise table: excessively sparse array",
            "{} \"q\\\"\\u0001\\u007f\" 0 -7",
        ]
    );
}

// 2. string extensions — lua/src/lstrlib_exts.c (and the examples in its doc comments).
#[test]
fn string_has_luatos_extensions() {
    let r = luatos(
        "1s",
        r#"
print(string.toHex("\1\2\3"), ("123abc"):toHex(" "))
print(string.fromHex("313233616263"), string.fromHex("31 32 3"))
print(table.concat(string.split("123,233333,122"), "|"), table.concat(("/tmp//def/1234/"):split("/", true), "|"))
print(table.concat(("a::b::"):split("::"), "|"), #(""):split(","), table.concat(("a,,b"):split(","), "|"))
print(string.toHex((string.toValue("123abc"))), select(2, string.toValue("123abc")))
print(string.urlEncode("123 abc+/"), string.urlEncode("123 abc+/", 1), string.urlEncode("123 abc+/", -1, 1, "/"), string.urlEncode("123 abc+/", -1, 0, "/ "))
print(string.toBase64("hello"), string.fromBase64("aGVsbG8="), string.fromBase64("a b") == "", string.toBase32("hello"), string.fromBase32("nbswy3dp"))
print(("abc"):startsWith("a"), ("abc"):startsWith("b"), string.endsWith("abc", "c"), string.endsWith("c", "abc"))
print("[" .. string.trim("\r\nabc\r\n") .. "]", #string.trim("\r\nabc\r\n", false, true), "[" .. (" \t"):trim() .. "]")
"#,
    );
    assert_eq!(
        printed(&r),
        [
            "010203 31 32 33 61 62 63  12",
            "123abc 12",
            "123|233333|122 |tmp||def|1234|",
            "a|b 0 a|b",
            "0102030A0B0C 6",
            "123+abc%2B%2F 123%20abc%2B%2F 123%20abc%2B/ 123 abc%2B/",
            "aGVsbG8= hello true NBSWY3DP hello",
            "true false true false",
            "[abc] 5 []",
        ]
    );
    // The LuaSys-style builds have the standard string library only.
    let r = run_main("1s", "print(string.toHex, string.split, json)");
    assert_eq!(log_lines(&r), ["nil\tnil\tnil"]);
}

// 3. log — luat/modules/luat_lib_log.c (levels from luat/include/luat_log.h: DEBUG 1, INFO 2,
// WARN 3, ERROR 4, CLOSE 7; setLevel maps anything unknown, and 0, to CLOSE; no argument prints
// nothing; styles 0/1/2 as in l_log_style's doc; fatal is error) and luat/weak/luat_log_weak.c
// (DEBUG by default).
#[test]
fn log_has_luatos_levels_styles_and_fatal() {
    let r = luatos(
        "1s",
        r#"
log.info("t", "a", 1)
log.info("t")
log.info("t", "")
log.info()
log.info(nil, "x")
print(log.getLevel(), log.LOG_DEBUG, log.LOG_INFO, log.LOG_WARN, log.LOG_ERROR, log.LOG_SILENT)
log.setLevel("WARN")
log.info("hidden")
log.warn("w", "shown")
print(log.getLevel())
log.setLevel(2)
log.debug("hidden")
log.info("i", "ok")
log.setLevel("FATAL")
print(log.getLevel())
log.error("hidden")
log.setLevel("DEBUG")
log.fatal("f", "x")
print(log.style(), log.style(1))
log.info("ABC", "DEF", 123)
log.style(2)
log.info("ABC", "DEF", 123)
log.style(0)
"#,
    );
    assert_eq!(
        printed(&r),
        [
            "I/user.t a 1",
            "I/user.t",
            "I/user.t ",
            "I/user.(null) x",
            "1 1 2 3 4 7",
            "W/user.w shown",
            "3",
            "I/user.i ok",
            "7",
            "E/user.f x",
            "0 1",
            "I/main.lua:21 ABC DEF 123",
            "I/user.ABC main.lua:23 DEF 123",
        ]
    );
    // The LuaSys-style log keeps its levels (0..4) and the space after a lone tag.
    let r = run_main("1s", "log.info('t')\nprint(log.LOG_DEBUG, log.style)");
    assert_eq!(log_lines(&r), ["I/user.t ", "0\tnil"]);
}

// 4. sysplus — luat/modules/luat_main.c (pmain loads "sys" then "sysplus" before main.lua) and
// script/corelib/sysplus.lua (it returns sys itself).
#[test]
fn sysplus_is_sys_as_a_global_and_by_require() {
    let r = luatos(
        "2s",
        r#"
local sysplus2 = require "sysplus"
print(sysplus == sys, sysplus2 == sys, require("sys") == sys, package.loaded.sysplus == sys)
sysplus.taskInitEx(function()
  local msg = sys.waitMsg("worker", "go")
  print("got", msg[1], msg[2])
end, "worker")
sysplus.taskInit(function()
  sys.wait(100)
  sys.sendMsg("worker", "go", 42)
end)
sys.run()
"#,
    );
    assert_eq!(printed(&r), ["true true true true", "got go 42"]);
    assert_eq!(times_of(&r, "got go"), [350 * MS]);
}

// 5. task errors — script/corelib/sys.lua (COROUTINE_ERROR_ROLL_BACK/RESTART default true; the
// wrapper logs tag "coroutine.resume" with message CRLF traceback, then
// sys.timerStart(assert, 500, false, traceBack)) and luat/modules/luat_main.c (report prints
// "Luat: " then the message; "Lua VM exit!! reboot in %dms" with LUAT_EXIT_REBOOT_DELAY 15000,
// then the reset).
#[test]
fn a_task_error_ends_the_vm_500_ms_later_and_reboots_15_s_after() {
    let r = luatos(
        "20s",
        r#"
sys.taskInit(function()
  sys.wait(1000)
  error("boom")
end)
sys.taskInit(function()
  while true do sys.wait(300) log.info("other", "alive") end
end)
sys.run()
"#,
    );
    let error_at = 1250 * MS;
    let resume = times_of(&r, "E/user.coroutine.resume /scripts/main.lua:4: boom\r\nstack traceback:");
    assert_eq!(resume, [error_at, error_at + 16_750 * MS]);
    // The other task runs on until the VM ends at 1750 ms (the assert's timer, armed first,
    // fires first in that tick), then again after the reboot.
    assert_eq!(times_of(&r, "I/user.other alive")[..5], [550 * MS, 850 * MS, 1150 * MS, 1450 * MS, 17_300 * MS]);
    assert_eq!(times_of(&r, "E/main Luat: ")[0], error_at + 500 * MS);
    let lines = log_lines(&r);
    let exit = lines.iter().position(|l| l == "E/main Luat: ").expect("Luat: line");
    assert!(lines[exit + 1].starts_with("E/main sys.lua:") && lines[exit + 1].contains(": /scripts/main.lua:4: boom"));
    assert_eq!(lines[exit + 2], "E/main Lua VM exit!! reboot in 15000ms");
    let boots: Vec<(Micros, String)> = r
        .events
        .iter()
        .filter(|e| matches!(e.kind, luasim_core::trace::EventKind::Boot { .. }))
        .map(|e| (e.at_us, e.to_string()))
        .collect();
    assert_eq!(boots.len(), 2);
    assert_eq!(boots[1].0, error_at + 500 * MS + 15_000 * MS);
    assert!(boots[1].1.contains("cause=reset (Lua VM exit)"), "{}", boots[1].1);
}

// 5 (continued) — the other branches of sys.lua's wrapper, and luat_main.c for a top-level or
// callback error (the error leaves sys.run, main.lua fails, the VM ends).
#[test]
fn error_handling_follows_the_luatos_switches_and_top_level_errors_end_the_vm() {
    let restart_now = luatos(
        "3s",
        "COROUTINE_ERROR_ROLL_BACK = false\nsys.taskInit(function() sys.wait(100) error('x') end)\nsys.run()",
    );
    let boots: Vec<String> =
        trace_text(&restart_now).lines().filter(|l| l.contains(" boot ")).map(String::from).collect();
    assert!(boots[1].contains("cause=reset (rtos.reboot)") && boots[1].starts_with("      0.350000"), "{boots:?}");

    let carry_on = luatos(
        "2s",
        "COROUTINE_ERROR_ROLL_BACK = false\nCOROUTINE_ERROR_RESTART = false\n\
         sys.taskInit(function() sys.wait(100) error('x') end)\n\
         sys.taskInit(function() sys.wait(500) log.info('still', 'here') end)\nsys.run()",
    );
    assert_eq!(times_of(&carry_on, "I/user.still here"), [750 * MS]);
    assert_eq!(carry_on.stats.boots, 1);

    let top = luatos("20s", "log.info('boot')\nerror('top')");
    assert_eq!(
        logs(&top).into_iter().take(4).collect::<Vec<_>>(),
        [
            (250 * MS, "I/user.boot".to_string()),
            (250 * MS, "E/main Luat: ".to_string()),
            (250 * MS, "E/main /scripts/main.lua:2: top".to_string()),
            (250 * MS, "E/main Lua VM exit!! reboot in 15000ms".to_string()),
        ]
    );
    assert_eq!(times_of(&top, "I/user.boot"), [250 * MS, 15_500 * MS]);

    let callback = luatos("2s", "sys.timerStart(function() error('cb') end, 100)\nsys.run()");
    assert_eq!(times_of(&callback, "E/main /scripts/main.lua:1: cb"), [350 * MS]);
}

// 6. waiting outside a task — script/corelib/sys.lua, sys.check_task: only the main thread is
// refused, with "attempt to yield from outside a coroutine".
#[test]
fn only_the_main_thread_is_refused_a_wait() {
    let r = luatos("2s", "sys.wait(100)");
    let lines = printed(&r);
    assert!(lines[1].contains("attempt to yield from outside a coroutine"), "{lines:?}");
    let r = luatos(
        "2s",
        "local co = coroutine.create(function() sys.wait(100) print('woke') end)\ncoroutine.resume(co)\nsys.run()",
    );
    assert_eq!(times_of(&r, "woke"), [350 * MS]);
    // The LuaSys-style sys.lua refuses a coroutine it did not start.
    let r = run_main("1s", "local co = coroutine.create(function() sys.wait(100) end)\nprint(coroutine.resume(co))");
    assert!(log_lines(&r)[0].contains("must be called inside a task started by sys.taskInit"));
}

// 7. output — lua/src/lbaselib.c (luaB_print through luat_debug_print joins with ' ') and
// luat_lib_log.c (a log line is print(prefix, ...): a tag alone has no trailing space).
#[test]
fn print_joins_with_spaces() {
    let r = luatos("1s", "print('a', 1, true, nil, 2.5)\nprint()");
    assert_eq!(printed(&r), ["a 1 true nil 2.5", ""]);
    let r = run_main("1s", "print('a', 1)");
    assert_eq!(log_lines(&r), ["a\t1"]);
}

// 8. rtos — luat/modules/luat_lib_rtos.c: bsp, version, firmware ("LuatOS-SoC_%s_%s" of
// version and bsp), buildDate, nop, autoCollectMem, meminfo("sys"|"lua"|"psram"); l_rtos_version:
// with `true`, also LUAT_CONF_FIRMWARE_TYPE_NUM (or 0) and 32 or 64 (LUAT_CONF_VM_64bit).
#[test]
fn rtos_describes_the_luatos_firmware_and_its_system_heap() {
    let r = luatos(
        "1s",
        r#"
print(rtos.bsp(), rtos.version(), rtos.firmware(), rtos.buildDate())
print(select('#', rtos.nop()), select('#', rtos.autoCollectMem(100, 80, 90)))
print(rtos.meminfo("sys"))
print(rtos.version(true))
print(select('#', rtos.version(false)), select('#', rtos.version(1)))
local total = rtos.meminfo()
print(total, (rtos.meminfo("lua")), rtos.meminfo("psram"))
"#,
    );
    assert_eq!(
        printed(&r),
        [
            "ESP32C3 V1010 LuatOS-SoC_V1010_ESP32C3 Jan  1 2025",
            "0 0",
            "262144 98304 98304",
            "V1010 0 64",
            "1 1",
            "163840 163840 0 0 0",
        ]
    );
}

// 9. the smaller sys points — script/corelib/sys.lua: waitMsg returns nil on timeout; wait(0)
// and a 0 ms timer return (rtos refuses the timer: "rtos.timer_start error" at debug level,
// "create fail!!!" at error level); timerStop(fn, ...) stops the first match only; timerIsActive
// by id returns the callback; timerAdvStart repeats; taskCB, waitUntilMsg, safeRun, coresume,
// check_task; the globals sys_pub, sys_send, sys_wait, sys_cw and SCRIPT_LIB_VER.
#[test]
fn the_smaller_sys_points_follow_luatos() {
    let r = luatos(
        "3s",
        r#"
print(SCRIPT_LIB_VER, sys_pub == sys.publish, sys_send == sys.sendMsg, sys_wait == sys.waitMsg, type(sys_cw))
print(type(sys.safeRun), type(sys.coresume), type(sys.check_task), pcall(sys.check_task))
local function tick(name) print("tick", name) end
local a = sys.timerStart(tick, 100, "a")
sys.timerStart(tick, 100, "b")
print(type(sys.timerIsActive(a)), sys.timerIsActive(tick, "b"))
sys.timerStop(tick, "a")
print(sys.timerStart(tick, 0))
local n = 0
sys.timerAdvStart(function() n = n + 1 print("adv", n) end, 200, 2)
sys.taskInitEx(function()
  print("zero wait", sys.wait(0))
  print("waitMsg", sys.waitMsg("box", nil, 300))
  sys.taskCB("box", "cb message")
  sys_pub("TOPIC", 7)
end, "box", function(msg) print("cb", msg) end)
sys.taskInit(function() print("waitUntilMsg", sys.waitUntilMsg("TOPIC")) end)
print(sys.coresume(coroutine.create(function(x) return x * 2 end), 21))
sys.run()
"#,
    );
    let mut lines = printed(&r);
    let refusal = lines.remove(1);
    assert!(
        refusal.starts_with("function function function false sys.lua:")
            && refusal.contains(": attempt to yield from outside a coroutine\nstack traceback:"),
        "{refusal}"
    );
    assert_eq!(
        lines,
        [
            "2.3.2 true true true function",
            "function true",
            "E/user.rtos.timer_start create fail!!!",
            "",
            "D/user.rtos.timer_start error",
            "zero wait",
            "true 42",
            "tick b",
            "adv 1",
            "waitMsg nil",
            "cb cb message",
            "waitUntilMsg 7",
            "adv 2",
            "adv 3",
        ]
    );
    assert_eq!(times_of(&r, "adv "), [450 * MS, 650 * MS, 850 * MS]);
    assert_eq!(times_of(&r, "waitMsg nil"), [550 * MS]);
}

// 10. LuatOS is Lua 5.3: the profile runs on the lua53 build too (this file runs there:
// `cargo test -p luasim-tests --no-default-features --features lua53 --test luatos`), and on
// the 5.4 build the differences docs/luatos.md lists show (`warn`, `coroutine.close`).
#[test]
fn the_profile_runs_on_the_build_s_lua_and_names_it() {
    let r =
        luatos("1s", "print(_VERSION, type(warn), type(coroutine.close))\nprint(pcall(function() return '3' & 1 end))");
    let lines = printed(&r);
    if cfg!(feature = "lua53") {
        assert_eq!(lines, ["Lua 5.3 nil nil", "true 1"]);
    } else {
        assert_eq!(lines[0], "Lua 5.4 function function");
        assert!(
            lines[1].starts_with("false ") && lines[1].contains("attempt to perform bitwise operation on a string")
        );
    }
}

/// Every LuatOS entry of device.yaml (its `needs: luatos` globals and fields) is on a `luatos`
/// build with its type and on no LuaSys-style build.
#[test]
fn the_luatos_surface_is_the_one_device_yaml_lists() {
    let api = DeviceApi::get();
    let mut wanted = Vec::new();
    for (name, entry) in &api.globals {
        if entry.needs.as_deref() == Some("luatos") {
            wanted.push((name.clone(), entry.lua_type()));
        }
        for (field, e) in entry.fields().into_iter().flatten() {
            if e.needs.as_deref() == Some("luatos") {
                wanted.push((format!("{name}.{field}"), e.lua_type()));
            }
        }
    }
    assert!(wanted.len() > 30, "{wanted:?}");
    let probe: String = wanted
        .iter()
        .map(|(path, _)| {
            let expr = path.split('.').fold(String::from("_G"), |acc, part| format!("({acc} or {{}})[\"{part}\"]"));
            format!("print('{path}', type({expr}))\n")
        })
        .collect();
    let on_luatos = log_lines(&luatos("1s", &probe));
    let on_esp32 = log_lines(&run_yaml(&scenario("esp32s3", "1s", &probe)));
    for (i, (path, ty)) in wanted.iter().enumerate() {
        assert_eq!(on_luatos[i], format!("{path} {ty}"));
        assert_eq!(on_esp32[i], format!("{path}\tnil"));
    }
}

/// A LuatOS project folder runs as it is: main.lua with PROJECT and VERSION, modules found by
/// `require` beside it.
#[test]
fn a_luatos_project_folder_runs_as_it_is() {
    let path = repo_root().join("scenarios/luatos_project.yaml");
    let scenario = luasim_core::scenario::Scenario::load(&path, &luasim_core::scenario::HostFiles).expect("loads");
    let report = luasim_core::runtime::run(
        &scenario,
        &luasim_core::runtime::RunOptions { keep_events: true, ..Default::default() },
    )
    .expect("runs");
    assert!(report.passed(), "{:#?}", report.outcomes);
}

/// A project folder with its modules in subfolders, as many LuatOS projects keep them: the
/// flasher writes every file to one folder (`/luadb/`) and `require` finds a module by its
/// name alone (openLuat/LuatOS `lua/src/loadlib.c`, the `/luadb/%s.lua` search path). Two
/// different files of one name are refused at load, naming both.
#[test]
fn modules_in_subfolders_are_found_by_name_as_the_flasher_lays_them_out() {
    let dir = std::env::temp_dir().join(format!("luasim-luatos-folders-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "main.lua",
        "PROJECT = 'folders'\nVERSION = '1.0.0'\nlocal h = require 'helper'\nlog.info('main', h.greet())\nsys.run()\n",
    );
    write("net/helper.lua", "local M = {}\nfunction M.greet() return require('deep_util').word end\nreturn M\n");
    write("net/more/deep_util.lua", "return { word = 'found in a subfolder' }\n");
    let yaml = format!("name: folders\ndevice: luatos\nduration: 1s\nscripts: {}\n", dir.display());
    let scenario_path = dir.join("folders.yaml");
    std::fs::write(&scenario_path, &yaml).unwrap();
    let load = || luasim_core::scenario::Scenario::load(&scenario_path, &luasim_core::scenario::HostFiles);
    let report = luasim_core::runtime::run(
        &load().expect("loads"),
        &luasim_core::runtime::RunOptions { keep_events: true, ..Default::default() },
    )
    .expect("runs");
    assert!(report.passed(), "{:#?}", report.outcomes);
    assert!(printed(&report).iter().any(|l| l.contains("I/user.main found in a subfolder")), "{:?}", printed(&report));

    write("other/helper.lua", "return {}\n");
    let error = load().expect_err("two helper.lua files").to_string();
    assert!(
        error.contains("`net/helper.lua` and `other/helper.lua` would both be `helper.lua` on the device"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
