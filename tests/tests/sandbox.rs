//! The sandboxed device state: no host files, processes or binary chunks; the watchdog stops
//! runaway Lua in virtual CPU time even through `pcall`; the heap limit holds.

use luasim_core::scenario::{HostFiles, Scenario};
use luasim_tests::*;
use std::path::Path;

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

/// Everything a script can reach from a fresh device state, found with raw access from the
/// host: the globals and everything below them (keys, values, `package.loaded`, registry tables
/// a script holds such as `package.preload`), the raw metatables of every value and of the
/// basic types (what `getmetatable("")` gives), and the upvalues of every function, Lua or C
/// (what `debug.getupvalue` would hand out if a script ever got it). Each C function is named by
/// the first path that reaches it, breadth first in key order.
mod reach {
    use luasim_core::mlua::{ffi, Function, Lua, LuaOptions, MultiValue, StdLib, Value};
    use std::collections::{BTreeMap, BTreeSet, VecDeque};

    /// A reachable C function: its first path, and its `lua_CFunction` address.
    pub struct CFunction {
        pub path: String,
        pub address: usize,
    }

    /// Every C function reachable from `lua`'s globals and from the basic types' metatables.
    pub fn c_functions(lua: &Lua) -> Vec<CFunction> {
        let mut queue: VecDeque<(String, Value)> = VecDeque::new();
        queue.push_back(("_G".into(), Value::Table(lua.globals())));
        let thread = lua.create_thread(lua.create_function(|_, ()| Ok(())).unwrap()).unwrap();
        let samples = [
            ("nil", Value::Nil),
            ("boolean", Value::Boolean(true)),
            ("number", Value::Integer(1)),
            ("string", Value::String(lua.create_string("").unwrap())),
            ("function", Value::Function(lua.create_function(|_, ()| Ok(())).unwrap())),
            ("thread", Value::Thread(thread)),
            ("lightuserdata", Value::LightUserData(luasim_core::mlua::LightUserData(std::ptr::null_mut()))),
        ];
        for (name, sample) in samples {
            let meta = raw_metatable(lua, &sample);
            if !meta.is_nil() {
                queue.push_back((format!("getmetatable({name})"), meta));
            }
        }
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        let mut found = Vec::new();
        while let Some((path, value)) = queue.pop_front() {
            // Strings and numbers hold nothing but their type's metatable, walked above; skipping
            // them keeps the walk within the lean state's 16 KB heap.
            let container =
                matches!(value, Value::Table(_) | Value::Function(_) | Value::UserData(_) | Value::Thread(_));
            if !container || !seen.insert(value.to_pointer() as usize) {
                continue;
            }
            let meta = raw_metatable(lua, &value);
            if !meta.is_nil() {
                queue.push_back((format!("{path}$meta"), meta));
            }
            match &value {
                Value::Table(t) => {
                    let mut entries: Vec<(String, Value, Value)> = t
                        .pairs::<Value, Value>()
                        .map(|pair| pair.map(|(k, v)| (label(&k), k, v)))
                        .collect::<luasim_core::mlua::Result<_>>()
                        .unwrap();
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    for (name, key, child) in entries {
                        for (path, value) in [(format!("{path}{name}$key"), key), (format!("{path}{name}"), child)] {
                            let container = matches!(
                                value,
                                Value::Table(_) | Value::Function(_) | Value::UserData(_) | Value::Thread(_)
                            );
                            if container && !seen.contains(&(value.to_pointer() as usize)) {
                                queue.push_back((path, value));
                            }
                        }
                    }
                }
                Value::Function(f) => {
                    if let Some(address) = c_address(lua, f) {
                        found.push(CFunction { path: path.clone(), address });
                    }
                    for (name, child) in upvalues(lua, f) {
                        queue.push_back((format!("{path}^{name}"), child));
                    }
                }
                _ => {}
            }
        }
        found
    }

    /// Lua's standard functions by `lua_CFunction` address, named `lib.name` (`load`,
    /// `os.execute`, `debug.sethook`...), from a state with every library open.
    pub fn standard_functions() -> BTreeMap<usize, String> {
        // SAFETY: a throwaway state that only lists its own libraries.
        let lua = unsafe { Lua::unsafe_new_with(StdLib::ALL, LuaOptions::new()) };
        let mut names = BTreeMap::new();
        let globals = lua.globals();
        for pair in globals.pairs::<Value, Value>() {
            let (key, value) = pair.unwrap();
            let Value::String(key) = key else { continue };
            let key = key.to_string_lossy();
            match value {
                Value::Function(f) => {
                    if let Some(a) = c_address(&lua, &f) {
                        names.insert(a, key.clone());
                    }
                }
                Value::Table(t) if key != "_G" => {
                    for pair in t.pairs::<Value, Value>() {
                        let (field, value) = pair.unwrap();
                        if let (Value::String(field), Value::Function(f)) = (field, value) {
                            if let Some(a) = c_address(&lua, &f) {
                                names.insert(a, format!("{key}.{}", field.to_string_lossy()));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        names
    }

    fn label(key: &Value) -> String {
        match key {
            Value::String(s) => format!(".{}", s.to_string_lossy()),
            Value::Integer(i) => format!("[{i}]"),
            other => format!("[{}]", other.type_name()),
        }
    }

    fn raw_metatable(lua: &Lua, value: &Value) -> Value {
        // SAFETY: the value is at 1; leaves its metatable or nil.
        unsafe {
            lua.exec_raw::<Value>(value.clone(), |state| {
                if ffi::lua_getmetatable(state, 1) == 0 {
                    ffi::lua_pushnil(state);
                }
                ffi::lua_remove(state, 1);
            })
        }
        .unwrap()
    }

    fn c_address(lua: &Lua, f: &Function) -> Option<usize> {
        // SAFETY: the function is at 1; leaves its C function's address as a light userdata.
        let address = unsafe {
            lua.exec_raw::<Value>(f.clone(), |state| {
                let c = ffi::lua_tocfunction(state, 1);
                ffi::lua_settop(state, 0);
                ffi::lua_pushlightuserdata(state, c.map_or(std::ptr::null_mut(), |c| c as *mut std::ffi::c_void));
            })
        }
        .unwrap();
        match address {
            Value::LightUserData(p) if !p.0.is_null() => Some(p.0 as usize),
            _ => None,
        }
    }

    /// Every upvalue of `f`, named (`?` for a C function's, numbered).
    fn upvalues(lua: &Lua, f: &Function) -> Vec<(String, Value)> {
        // SAFETY: the function is at 1; leaves name, value pairs, checking stack room for each.
        // Upvalue names are NUL-terminated strings of the function's prototype, alive while it
        // is on the stack, and Lua copies them. The walked state has a device heap limit, so a
        // push may raise a memory error: it `longjmp`s to exec_raw's protected call over this
        // closure, which therefore holds no Rust value with a destructor (the name is formatted
        // by Lua, not into a `String`).
        let values = unsafe {
            lua.exec_raw::<MultiValue>(f.clone(), |state| {
                let mut n = 1;
                loop {
                    ffi::luaL_checkstack(state, 2, std::ptr::null());
                    let name = ffi::lua_getupvalue(state, 1, n);
                    if name.is_null() {
                        break;
                    }
                    if *name == 0 {
                        ffi::lua_pushfstring(state, c"%d".as_ptr(), n);
                    } else {
                        ffi::lua_pushstring(state, name);
                    }
                    ffi::lua_rotate(state, -2, 1);
                    n += 1;
                }
                ffi::lua_remove(state, 1);
            })
        }
        .unwrap()
        .into_vec();
        values.chunks(2).map(|pair| (pair[0].to_string().unwrap_or_default(), pair[1].clone())).collect()
    }
}

/// Standard functions a script may hold: the base library without its file, chunk and output
/// functions (the prelude and the bindings stand in for those), and the coroutine, table,
/// string (no `dump`), utf8 and math libraries, `os.difftime` and `debug.traceback`.
const ALLOWED_STANDARD: &[&str] = &[
    "assert",
    "collectgarbage",
    "error",
    "getmetatable",
    "ipairs",
    "next",
    "pairs",
    "pcall",
    "rawequal",
    "rawget",
    "rawlen",
    "rawset",
    "select",
    "setmetatable",
    "tonumber",
    "tostring",
    "type",
    "warn",
    "xpcall",
    "coroutine.close",
    "coroutine.create",
    "coroutine.isyieldable",
    "coroutine.resume",
    "coroutine.running",
    "coroutine.status",
    "coroutine.wrap",
    "coroutine.yield",
    "debug.traceback",
    "os.difftime",
    "string.byte",
    "string.char",
    "string.find",
    "string.format",
    "string.gmatch",
    "string.gsub",
    "string.len",
    "string.lower",
    "string.match",
    "string.pack",
    "string.packsize",
    "string.rep",
    "string.reverse",
    "string.sub",
    "string.unpack",
    "string.upper",
    "table.concat",
    "table.insert",
    "table.move",
    "table.pack",
    "table.remove",
    "table.sort",
    "table.unpack",
    "table.create",
    "utf8.char",
    "utf8.codepoint",
    "utf8.codes",
    "utf8.len",
    "utf8.offset",
    "math.abs",
    "math.acos",
    "math.asin",
    "math.atan",
    "math.atan2",
    "math.ceil",
    "math.cos",
    "math.cosh",
    "math.deg",
    "math.exp",
    "math.floor",
    "math.fmod",
    "math.frexp",
    "math.ldexp",
    "math.log",
    "math.log10",
    "math.max",
    "math.min",
    "math.modf",
    "math.pow",
    "math.rad",
    "math.random",
    "math.randomseed",
    "math.sin",
    "math.sinh",
    "math.sqrt",
    "math.tan",
    "math.tanh",
    "math.tointeger",
    "math.type",
    "math.ult",
];

/// The host's own C functions, by the first path that reaches them: the bindings, the virtual
/// clock, `print`, the string coercion metamethods, and the sandbox's stand-ins (`text_load`
/// and `native_load` are upvalues of the prelude's loaders).
const ALLOWED_HOST: &[&str] = &[
    "_G.print",
    "_G.os.clock",
    "_G.os.date",
    "_G.os.time",
    "_G.load^text_load",
    "_G.dofile^native_load",
    "getmetatable(string).__add",
    "getmetatable(string).__div",
    "getmetatable(string).__idiv",
    "getmetatable(string).__mod",
    "getmetatable(string).__mul",
    "getmetatable(string).__pow",
    "getmetatable(string).__sub",
    "getmetatable(string).__unm",
    "_G.Config.get",
    "_G.EventBus.subscribe",
    "_G.GNSS.lastFix",
    "_G.JSON.decode",
    "_G.JSON.encode",
    "_G.Log.error",
    "_G.Log.info",
    "_G.Log.warn",
    "_G.MQTT.publish",
    "_G.MQTT.subscribe",
    "_G.Node.deepSleep",
    "_G.Node.ip",
    "_G.Node.lightSleep",
    "_G.Node.restart",
    "_G.Node.setTimeout",
    "_G.Node.uptime",
    "_G.Node.wakeCause",
    "_G.RTC.clear",
    "_G.RTC.free",
    "_G.RTC.get",
    "_G.RTC.keys",
    "_G.RTC.remove",
    "_G.RTC.set",
    "_G.RTC.status",
    "_G.RTC.used",
    "_G.Telegram.broadcast",
    "_G.Telegram.send",
    "_G.log.debug",
    "_G.log.error",
    "_G.log.info",
    "_G.log.setLevel",
    "_G.log.warn",
    "_G.rtos.meminfo",
    "_G.rtos.reboot",
    "_G.rtos.receive",
    "_G.rtos.timer_start",
    "_G.rtos.timer_stop",
    "_G.rtos.version",
];

/// Every C function reachable from a fresh state of `device` that is in neither allow-list.
fn unexpected_c_functions(device: &str) -> Vec<String> {
    let yaml = scenario(device, "1s", "-- nothing");
    let scenario = Scenario::parse(&yaml, "inline.yaml", Path::new("."), &HostFiles).unwrap();
    let standard = reach::standard_functions();
    luasim_core::runtime::with_fresh_state(&scenario, |lua| {
        reach::c_functions(lua)
            .into_iter()
            .filter_map(|f| match standard.get(&f.address) {
                Some(name) if ALLOWED_STANDARD.contains(&name.as_str()) => None,
                Some(name) => Some(format!("{} (Lua's {name})", f.path)),
                None if ALLOWED_HOST.contains(&f.path.as_str()) => None,
                None => Some(format!("{} (a host function)", f.path)),
            })
            .collect()
    })
    .unwrap()
}

#[test]
fn everything_a_script_can_reach_is_allowed() {
    for device in [
        "esp32s3",
        "esp32",
        "{ profile: esp32s3, vm_in_sleep_region: true, vm_libs: [string, table, math, coroutine, utf8] }",
    ] {
        let unexpected = unexpected_c_functions(device);
        assert!(unexpected.is_empty(), "{device}: reachable outside the allow-lists:\n{}", unexpected.join("\n"));
    }
}

/// Guards the walk itself: it sees what the sandbox hides when a script could reach it.
#[test]
fn the_walk_finds_what_a_script_could_reach() {
    let yaml = scenario("esp32s3", "1s", "-- nothing");
    let scenario = Scenario::parse(&yaml, "inline.yaml", Path::new("."), &HostFiles).unwrap();
    let standard = reach::standard_functions();
    let names = luasim_core::runtime::with_fresh_state(&scenario, |lua| {
        let hidden: luasim_core::mlua::Function = lua.named_registry_value("luasim.raw_load").unwrap();
        lua.globals()
            .set("leak", lua.create_table_from([("deep", lua.create_table_from([("f", hidden)]).unwrap())]).unwrap())
            .unwrap();
        reach::c_functions(lua)
            .into_iter()
            .filter_map(|f| Some((f.path, standard.get(&f.address)?.clone())))
            .collect::<Vec<_>>()
    })
    .unwrap();
    assert!(names.contains(&("_G.leak.deep.f".to_string(), "load".to_string())), "{names:?}");
}

/// A scratch folder for one test: `<tmp>/luasim-sandbox-<pid>-<name>/scenario.yaml` mounting
/// `scripts/` (which holds a `main.lua`), emptied first and removed when dropped.
fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("luasim-sandbox-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::write(dir.join("scripts/main.lua"), "print('booted')\n").unwrap();
    std::fs::write(dir.join("scenario.yaml"), "name: mount\ndevice: esp32\nduration: 1s\nscripts: scripts\n").unwrap();
    Scratch(dir)
}

struct Scratch(std::path::PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads `dir/scenario.yaml` on another thread: the error text, or "loaded". A load that has
/// not ended after 10 s (a named pipe read, a walk that never ends) fails the test.
fn load_in(dir: &Path) -> String {
    let path = dir.join("scenario.yaml");
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(match Scenario::load(&path, &HostFiles) {
            Ok(s) => format!("loaded {} files", s.files.files().count()),
            Err(e) => e.to_string(),
        });
    });
    receive.recv_timeout(std::time::Duration::from_secs(10)).expect("loading the scenario hung")
}

#[test]
fn a_link_out_of_the_script_folder_is_refused() {
    use std::os::unix::fs::symlink;
    let dir = scratch("link-out");
    std::fs::write(dir.join("secret.txt"), "host secret").unwrap();
    symlink(dir.join("secret.txt"), dir.join("scripts/secret.lua")).unwrap();
    let message = load_in(&dir);
    assert!(
        message.contains("scripts/secret.lua is a symbolic link to") && message.contains("outside the folder"),
        "{message}"
    );
    std::fs::remove_file(dir.join("scripts/secret.lua")).unwrap();
    symlink("../../../../../../../../etc/passwd", dir.join("scripts/passwd.lua")).unwrap();
    assert!(load_in(&dir).contains("outside the folder"), "{}", load_in(&dir));
    std::fs::remove_file(dir.join("scripts/passwd.lua")).unwrap();
    symlink("/etc", dir.join("scripts/etc")).unwrap();
    assert!(load_in(&dir).contains("scripts/etc is a symbolic link to /etc"), "{}", load_in(&dir));
}

#[test]
fn links_inside_the_folder_follow_one_rule() {
    use std::os::unix::fs::symlink;
    let dir = scratch("link-in");
    std::fs::create_dir_all(dir.join("scripts/lib")).unwrap();
    std::fs::write(dir.join("scripts/lib/util.lua"), "return 42\n").unwrap();
    symlink("lib/util.lua", dir.join("scripts/util.lua")).unwrap();
    assert_eq!(load_in(&dir), "loaded 3 files");
    symlink("lib", dir.join("scripts/lib2")).unwrap();
    assert!(
        load_in(&dir).contains("scripts/lib2 is a symbolic link to a folder; links to folders are not followed"),
        "{}",
        load_in(&dir)
    );
    std::fs::remove_file(dir.join("scripts/lib2")).unwrap();
    symlink("nowhere.lua", dir.join("scripts/dangling.lua")).unwrap();
    assert!(
        load_in(&dir).contains("scripts/dangling.lua is a symbolic link that cannot be resolved"),
        "{}",
        load_in(&dir)
    );
}

#[test]
fn a_fan_out_of_folder_links_is_refused_at_once() {
    use std::os::unix::fs::symlink;
    let dir = scratch("fan-out");
    // Ten levels of ten links each to the level below: 10^10 paths if links were followed.
    for level in 0..10 {
        let here = dir.join(format!("scripts/l{level}"));
        std::fs::create_dir_all(&here).unwrap();
        for i in 0..10 {
            symlink(format!("../l{}", level + 1), here.join(format!("x{i}"))).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join("scripts/l10")).unwrap();
    let message = load_in(&dir);
    assert!(message.contains("is a symbolic link to a folder"), "{message}");
}

#[test]
fn pipes_sockets_and_devices_are_refused_by_name() {
    use std::os::unix::fs::symlink;
    let dir = scratch("special");
    let fifo = std::ffi::CString::new(dir.join("scripts/pipe.lua").to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a plain libc call on a path we own.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let message = load_in(&dir);
    assert!(message.contains("scripts/pipe.lua is a named pipe, not a regular file"), "{message}");
    std::fs::remove_file(dir.join("scripts/pipe.lua")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("scripts/sock.lua")).unwrap();
    assert!(load_in(&dir).contains("scripts/sock.lua is a socket"), "{}", load_in(&dir));
    std::fs::remove_file(dir.join("scripts/sock.lua")).unwrap();
    // A device named directly by the scenario (a write step's file, or the script folder's link).
    std::fs::write(
        dir.join("scenario.yaml"),
        "name: dev\ndevice: esp32\nduration: 1s\nscripts: scripts\nsteps:\n  - { at: 1s, write: { path: /scripts/x.lua, file: /dev/zero } }\n",
    )
    .unwrap();
    assert!(load_in(&dir).contains("/dev/zero is a device, not a regular file"), "{}", load_in(&dir));
    std::fs::write(dir.join("scenario.yaml"), "name: dev\ndevice: esp32\nduration: 1s\nscripts: scripts\n").unwrap();
    symlink("/dev/zero", dir.join("scripts/zero.lua")).unwrap();
    assert!(load_in(&dir).contains("outside the folder"), "{}", load_in(&dir));
}

#[test]
fn a_scenario_file_that_is_a_pipe_is_refused() {
    let dir = scratch("pipe-scenario");
    std::fs::remove_file(dir.join("scenario.yaml")).unwrap();
    let fifo = std::ffi::CString::new(dir.join("scenario.yaml").to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a plain libc call on a path we own.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let message = load_in(&dir);
    assert!(message.contains("scenario.yaml is a named pipe, not a regular file"), "{message}");
}

#[test]
fn mounting_is_bounded_in_depth_files_and_bytes() {
    use luasim_core::scenario::hostfs::{MAX_FILE_BYTES, MAX_FOLDER_BYTES, MAX_FOLDER_DEPTH, MAX_FOLDER_FILES};
    let dir = scratch("deep");
    let deep = (0..=MAX_FOLDER_DEPTH).fold(dir.join("scripts"), |p, i| p.join(format!("d{i}")));
    std::fs::create_dir_all(&deep).unwrap();
    let message = load_in(&dir);
    assert!(message.contains(&format!("more than {MAX_FOLDER_DEPTH} folders deep")), "{message}");

    let dir = scratch("many");
    for i in 0..MAX_FOLDER_FILES {
        std::fs::write(dir.join(format!("scripts/f{i}.lua")), "").unwrap();
    }
    let message = load_in(&dir);
    assert!(message.contains(&format!("holds more than {MAX_FOLDER_FILES} files")), "{message}");

    let dir = scratch("big");
    let big = std::fs::File::create(dir.join("scripts/big.lua")).unwrap();
    big.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: takes no disk space
    let message = load_in(&dir);
    assert!(message.contains(&format!("a file may hold at most {MAX_FILE_BYTES} bytes")), "{message}");

    let dir = scratch("bytes");
    for i in 0..3 {
        let part = std::fs::File::create(dir.join(format!("scripts/part{i}.lua"))).unwrap();
        part.set_len(MAX_FOLDER_BYTES / 2 - 1).unwrap();
    }
    let message = load_in(&dir);
    assert!(message.contains(&format!("hold more than {MAX_FOLDER_BYTES} bytes")), "{message}");
}

/// Every global `prelude.lua` and `sys.lua` use (and a few a script might clear by mistake).
/// Library tables (`coroutine`, `debug`...) are emptied as well as removed; the firmware modules
/// `rtos` and `log` only lose their global (their fields are looked up at each call, as on
/// LuatOS).
const GLOBALS_THE_LOADER_AND_SYS_USE: &[&str] = &[
    "xpcall",
    "pcall",
    "error",
    "type",
    "tostring",
    "select",
    "ipairs",
    "pairs",
    "next",
    "setmetatable",
    "unpack",
    "require",
    "load",
    "dofile",
    "loadfile",
    "print",
    "rtos",
    "log",
    "sys",
    "package",
    "coroutine",
    "table",
    "debug",
    "string",
    "os",
    "math",
];

/// A script that removes global `victim`, then uses sys (timer, task, wait, publish, waitUntil,
/// a task error), a firmware callback (MQTT, with an error) and Node.setTimeout, and requires a
/// module.
fn without_global(victim: &str) -> String {
    format!(
        r#"
name: without_{victim}
device: {{ profile: esp32, tick_hz: 1000, boot_ms: 1 }}
duration: 2s
scripts:
  mod.lua: return 42
  main.lua: |
    local sys, print, MQTT, Node, fail, req, type, pairs = sys, print, MQTT, Node, error, require, type, pairs
    local victim = "{victim}"
    local lib = _G[victim]
    if type(lib) == "table" and victim ~= "rtos" and victim ~= "log" and victim ~= "sys" then
      local keys = {{}}
      for k in pairs(lib) do keys[#keys + 1] = k end
      for i = 1, #keys do lib[keys[i]] = nil end
    end
    _G[victim] = nil
    print("required", req("mod"))
    sys.subscribe("ping", function(x) print("published", x) end)
    sys.taskInit(function()
      sys.wait(100)
      print("task woke")
      local ok, v = sys.waitUntil("go", 1000)
      print("waited", ok, v)
      fail("task boom")
    end)
    sys.timerStart(function() sys.publish("ping", 1); sys.publish("go", 2) end, 200)
    MQTT.subscribe("cmd", function(t, p) print("mqtt", t, p); fail("callback boom") end)
    Node.setTimeout(400, function() print("timeout") end)
    sys.run()
steps:
  - {{ at: 301ms, mqtt: {{ topic: cmd, payload: x }} }}
"#
    )
}

#[test]
fn removing_a_global_breaks_neither_callbacks_nor_sys() {
    let mut broken = Vec::new();
    for victim in GLOBALS_THE_LOADER_AND_SYS_USE {
        let r = run_yaml(&without_global(victim));
        let text = trace_text(&r);
        let lines = log_lines(&r);
        let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
        let wanted = ["required\t42", "task woke", "published\t1", "waited\ttrue\t2", "mqtt\tcmd\tx", "timeout"];
        let missing: Vec<&str> = wanted.into_iter().filter(|w| !has(w)).collect();
        let task_error = lines
            .iter()
            .any(|l| l.contains("task error: /scripts/main.lua:") && l.contains("task boom\nstack traceback:"));
        // ...with its traceback cut where the boot machinery starts, as with the global in place.
        let callback_error = text.lines().any(|l| {
            l.contains("ERROR    callback MQTT cmd: /scripts/main.lua:")
                && l.contains("callback boom\\nstack traceback:")
                && !l.contains("prelude.lua")
        });
        if !missing.is_empty() || !task_error || !callback_error {
            broken.push(format!(
                "without `{victim}`: missing {missing:?}, task error logged: {task_error}, callback error traced: {callback_error}\n{text}"
            ));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn require_and_package_loaded_hand_out_only_the_trimmed_libraries() {
    let r = run_main(
        "1s",
        r#"
print(require("debug") == debug, package.loaded.debug == debug, require("os") == os, require("string") == string)
print(package.loaded.debug.sethook, package.loaded.debug.getupvalue, package.loaded.debug.getregistry)
print(package.loaded.io, package.loaded.os.execute, package.loaded.string.dump, package.loaded._G == _G)
print(pcall(require, "io"))
"#,
    );
    let lines = log_lines(&r);
    assert_eq!(lines[0], "true\ttrue\ttrue\ttrue");
    assert_eq!(lines[1], "nil\tnil\tnil");
    assert_eq!(lines[2], "nil\tnil\tnil\ttrue");
    assert_eq!(lines[3], "false\tmodule 'io' not found: no file /scripts/io.lua on the device");
}

#[test]
fn load_keeps_lua_semantics_for_text() {
    let r = run_main(
        "1s",
        r#"
x = 1
print(load("return x")(), load("return x", "=c", "t", { x = 2 })(), pcall(load("return x", "=c", "t", nil)))
local parts, i = { "return ", "x + ", "1" }, 0
print(load(function() i = i + 1; return parts[i] end)())
print(load("syntax error here", "=named"))
print(os.date("%Y-%m-%d %H:%M:%S", 86400), os.date("!%H", 3600), os.date(nil, 0))
os.time = function() return 999999 end
print(os.date("%H:%M:%S"))
"#,
    );
    let lines = log_lines(&r);
    assert_eq!(lines[0], "1\t2\tfalse\tc:1: attempt to index a nil value (upvalue '_ENV')");
    assert_eq!(lines[1], "2");
    assert_eq!(lines[2], "nil\tnamed:1: syntax error near 'error'");
    assert_eq!(lines[3], "1970-01-02 00:00:00\t01\tThu Jan  1 00:00:00 1970");
    // os.date's default time is the virtual clock, whatever a script puts in os.time.
    assert_eq!(lines[4], "00:00:00");
}

/// Real bytecode made on the host and hand-made chunks in the script folder, and every way a
/// script could hand one to Lua's undump: none loads, each refusal names the file.
#[test]
fn binary_chunks_load_through_no_path() {
    let dir = scratch("bytecode");
    let host = luasim_core::mlua::Lua::new();
    let real = host.load("return 'escaped'").into_function().unwrap().dump(false);
    std::fs::write(dir.join("scripts/real.lua"), &real).unwrap();
    std::fs::write(dir.join("scripts/forged.lua"), b"\x1bLuaT\x00\x19\x93\r\n\x1a\n\x04\x08\x08\xff\xff\xff\xff")
        .unwrap();
    std::fs::write(
        dir.join("scripts/main.lua"),
        r#"
for _, name in ipairs({ "real", "forged" }) do
  local path = "/scripts/" .. name .. ".lua"
  print(loadfile(path))
  print(pcall(dofile, path))
  print(pcall(require, name))
end
local pieces, i = { "\27", "Lua" }, 0
print(load(function() i = i + 1; return pieces[i] end, "=reader", "b"))
print(load("\27Lua", "=s", "b", {}))
"#,
    )
    .unwrap();
    let scenario = Scenario::load(&dir.join("scenario.yaml"), &HostFiles).unwrap();
    let r = luasim_core::runtime::run(
        &scenario,
        &luasim_core::runtime::RunOptions { keep_events: true, ..Default::default() },
    )
    .unwrap();
    let lines = log_lines(&r);
    assert_eq!(lines.len(), 8, "{lines:?}");
    for (line, name) in lines[..6].iter().zip(["real", "real", "real", "forged", "forged", "forged"]) {
        assert!(line.contains(&format!("/scripts/{name}.lua: attempt to load a binary chunk (mode is 't')")), "{line}");
        assert!(!line.contains("escaped"), "{line}");
    }
    assert_eq!(lines[6], "nil\tattempt to load a binary chunk (mode is 't')");
    assert_eq!(lines[7], "nil\tattempt to load a binary chunk (the device loads source text only)");
}

#[test]
fn a_message_too_big_for_the_heap_is_dropped_and_the_loop_goes_on() {
    let big = "x".repeat(200_000);
    let yaml = format!(
        r#"
name: too_big
device: {{ profile: esp32, tick_hz: 1000, boot_ms: 1 }}
duration: 5s
scripts:
  main.lua: |
    MQTT.subscribe("big/#", function(topic, payload) print("mqtt", topic, #payload) end)
    EventBus.subscribe("blob", function(data) print("event", #data.text) end)
    sys.timerLoopStart(function() print("tick") end, 1000)
    sys.run()
steps:
  - {{ at: 1500ms, mqtt: {{ topic: big/huge, payload: "{big}" }} }}
  - {{ at: 2500ms, event: {{ name: blob, data: {{ text: "{big}" }} }} }}
  - {{ at: 3500ms, mqtt: {{ topic: big/after, payload: "fits" }} }}
"#
    );
    let r = run_yaml(&yaml);
    assert!(r.passed(), "{}", trace_text(&r));
    assert_eq!(r.stats.heap_drops, 2);
    let lines = log_lines(&r);
    assert_eq!(lines.iter().filter(|l| *l == "tick").count(), 4, "{lines:?}");
    assert!(
        lines.contains(&"W/mqtt message dropped (does not fit in the Lua heap): big/huge (200000 bytes)".to_string())
    );
    assert!(lines
        .contains(&"W/firmware callback dropped (its data does not fit in the Lua heap): EventBus blob".to_string()));
    assert!(lines.contains(&"mqtt\tbig/after\t4".to_string()));
}
