//! The sleepy-task persister (`lua/persist/persist.c`) driven through plain Lua states: a task
//! is persisted in one state and restored into a fresh one that has loaded the same script
//! without running it, then resumed; what it sees must be what it had.
#![cfg(feature = "lua54")]

use luasim_core::mlua::thread::ThreadStatus;
use luasim_core::mlua::{Function, Lua, Table, Thread, Value};
use luasim_core::persist::Persister;

/// One state with its persister context (made before the script runs) and the script's chunk.
struct Side {
    lua: Lua,
    persister: Persister,
    ctx: Table,
    chunks: Table,
}

fn side(script: &str) -> Side {
    let lua = Lua::new();
    let persister = Persister::new(&lua).unwrap();
    let ctx: Table = persister.permanents.call(()).unwrap();
    let chunk = lua.load(script).set_name("@test.lua").into_function().unwrap();
    let chunks = lua.create_sequence_from([chunk]).unwrap();
    Side { lua, persister, ctx, chunks }
}

impl Side {
    fn run(&self) {
        let chunk: Function = self.chunks.get(1).unwrap();
        chunk.call::<()>(()).unwrap();
    }

    fn task(&self, name: &str) -> Thread {
        self.lua.globals().get(name).unwrap()
    }

    fn persist(&self, task: &Thread) -> Result<Vec<u8>, String> {
        self.persister
            .persist
            .call::<luasim_core::mlua::LuaString>((self.ctx.clone(), self.chunks.clone(), task.clone()))
            .map(|s| s.as_bytes().to_vec())
            .map_err(|e| e.to_string())
    }

    fn restore(&self, image: &[u8]) -> Thread {
        let image = self.lua.create_string(image).unwrap();
        self.persister.unpersist.call((self.ctx.clone(), self.chunks.clone(), image)).unwrap()
    }
}

/// Runs `script` (which starts `task` and leaves it suspended), persists it, restores it into a
/// fresh state and resumes it with "timer"; returns what it yields or returns then, as text.
fn round_trip(script: &str) -> (Vec<u8>, String) {
    let before = side(script);
    before.run();
    let image = before.persist(&before.task("task")).unwrap();
    let after = side(script);
    let task = after.restore(&image);
    let out: Vec<Value> = task.resume::<luasim_core::mlua::MultiValue>("timer").unwrap().into_vec();
    let text: Vec<String> = out.iter().map(|v| v.to_string().unwrap_or_else(|_| "?".into())).collect();
    (image, text.join(" "))
}

#[test]
fn nested_lua_calls_and_varargs_at_the_yield_continue() {
    let script = r#"
        local function inner(a, ...)
          local n = select('#', ...)
          local cause = coroutine.yield()
          return cause, a, n, ...
        end
        local function outer(x) return inner(x * 2, 'va', nil, 'vc') end
        task = coroutine.create(function(start)
          local r = table.pack(outer(start))
          return table.concat({tostring(r[1]), r[2], r[3], r[4], tostring(r[5]), r[6]}, ',')
        end)
        assert(coroutine.resume(task, 21))
    "#;
    let (_, out) = round_trip(script);
    assert_eq!(out, "timer,42,3,va,nil,vc");
}

#[test]
fn two_closures_keep_sharing_their_upvalue() {
    let script = r#"
        task = coroutine.create(function()
          local n = 10
          local function inc() n = n + 1 end
          local function get() return n end
          inc()
          coroutine.yield()
          inc(); inc()
          return get(), n
        end)
        assert(coroutine.resume(task))
    "#;
    assert_eq!(round_trip(script).1, "13 13");
}

#[test]
fn an_upvalue_of_the_main_chunk_is_shared_by_value() {
    let script = r#"
        local count = 5
        local function bump() count = count + 1 end
        task = coroutine.create(function()
          bump()
          coroutine.yield()
          bump()
          return count
        end)
        assert(coroutine.resume(task))
    "#;
    assert_eq!(round_trip(script).1, "7");
}

#[test]
fn cycles_and_metatables_survive() {
    let script = r#"
        task = coroutine.create(function()
          local a = setmetatable({}, {__index = function(_, k) return k .. '!' end})
          local b = {a = a}
          a.b = b
          a.self = a
          coroutine.yield()
          return a.b.a == a, a.self == a, a.zz, getmetatable(a) ~= nil
        end)
        assert(coroutine.resume(task))
    "#;
    assert_eq!(round_trip(script).1, "true true zz! true");
}

#[test]
fn strings_with_nuls_and_numbers_keep_their_kind() {
    let script = r#"
        task = coroutine.create(function()
          local s, i, f, big, neg = 'a\0b\0', 3, 3.0, math.maxinteger, -7
          coroutine.yield()
          return #s, s == 'a\0b\0', math.type(i), math.type(f), big == math.maxinteger, neg, 0.1 + 0.2
        end)
        assert(coroutine.resume(task))
    "#;
    assert_eq!(round_trip(script).1, "4 true integer float true -7 0.30000000000000004");
}

#[test]
fn a_coroutine_wrap_function_goes_on_where_it_was() {
    let script = r#"
        task = coroutine.create(function()
          local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * 10) end end)
          local first = gen()
          coroutine.yield()
          return first, gen(), gen()
        end)
        assert(coroutine.resume(task))
    "#;
    assert_eq!(round_trip(script).1, "10 20 30");
}

#[test]
fn globals_set_by_the_script_come_back() {
    let script = r#"
        config = {every = 60}
        task = coroutine.create(function()
          coroutine.yield()
          return config.every, print == _G.print
        end)
        assert(coroutine.resume(task))
    "#;
    assert_eq!(round_trip(script).1, "60 true");
}

#[test]
fn the_image_is_canonical() {
    let script = r#"
        local set = {}
        task = coroutine.create(function()
          local keys = {}
          for i = 1, 20 do keys[i] = {i} ; set[keys[i]] = 'k' .. i end
          local t = {x = 1, y = 2.5, [true] = 'b', [7] = 'seven', name = 'n'}
          coroutine.yield()
          return #keys, t.x
        end)
        assert(coroutine.resume(task))
    "#;
    let first = side(script);
    first.run();
    let image = first.persist(&first.task("task")).unwrap();
    assert_eq!(first.persist(&first.task("task")).unwrap(), image, "persisting twice gives the same bytes");
    let second = side(script);
    let restored = second.restore(&image);
    assert_eq!(second.persist(&restored).unwrap(), image, "a restored task persists to the same bytes");
}

#[test]
fn refusals_name_the_path_of_the_value() {
    let script = r#"
        local conn = {sock = sock}
        local helper = coroutine.create(function() local c = conn; coroutine.yield() end)
        coroutine.resume(helper)
        task = coroutine.create(function()
          local other = helper
          coroutine.yield()
        end)
        assert(coroutine.resume(task))
    "#;
    let s = side(script);
    s.lua.globals().set("sock", s.lua.create_any_userdata(5u32).unwrap()).unwrap();
    s.run();
    let err = s.persist(&s.task("task")).unwrap_err();
    assert!(
        err.contains("cannot persist task 2 › upvalue 'conn' › field 'sock': a userdata (no persist rule)"),
        "{err}"
    );

    let script = r#"
        task = coroutine.create(function() local f = native; coroutine.yield() end)
        assert(coroutine.resume(task))
    "#;
    let s = side(script);
    s.lua.globals().set("native", s.lua.create_function(|_, ()| Ok(())).unwrap()).unwrap();
    s.run();
    let err = s.persist(&s.task("task")).unwrap_err();
    assert!(err.contains("task 1 › local 'f': a C function that is not one of the firmware's permanents"), "{err}");

    let script = r#"
        task = coroutine.create(function() pcall(coroutine.yield) end)
        assert(coroutine.resume(task))
    "#;
    let s = side(script);
    s.run();
    let err = s.persist(&s.task("task")).unwrap_err();
    assert!(err.contains("task 1: a yield across a C function"), "{err}");

    let script = r#"
        task = coroutine.create(function()
          local x <close> = setmetatable({}, {__close = function() end})
          coroutine.yield()
        end)
        assert(coroutine.resume(task))
    "#;
    let s = side(script);
    s.run();
    let err = s.persist(&s.task("task")).unwrap_err();
    assert!(err.contains("task 1: a pending to-be-closed variable"), "{err}");
}

#[test]
fn a_finished_task_restores_as_dead() {
    let script = r#"
        task = coroutine.create(function() return 1 end)
        assert(coroutine.resume(task))
    "#;
    let before = side(script);
    before.run();
    let image = before.persist(&before.task("task")).unwrap();
    let after = side(script);
    assert_eq!(after.restore(&image).status(), ThreadStatus::Finished);
}

/// The device's view: runs `main_lua` on a sleepy esp32 (1000 Hz tick, 1 ms boot).
fn sleepy_run(duration: &str, main_lua: &str, steps: &str) -> Vec<String> {
    sleepy_run_with(SLEEPY, duration, main_lua, steps)
}

const SLEEPY: &str = "{ profile: esp32, tick_hz: 1000, boot_ms: 1, sleepy: true }";
/// The same device whose tasks' image carries the scripts' bytecode.
const EMBEDDED: &str = "{ profile: esp32, tick_hz: 1000, boot_ms: 1, sleepy: true, sleepy_embed_code: true }";

fn sleepy_run_with(device: &str, duration: &str, main_lua: &str, steps: &str) -> Vec<String> {
    let yaml = format!("{}{steps}", luasim_tests::scenario(device, duration, main_lua));
    luasim_tests::log_lines(&luasim_tests::run_yaml(&yaml))
}

#[test]
fn a_task_goes_on_after_its_sleep_and_another_task_keeps_its_remaining_wait() {
    let lines = sleepy_run(
        "10s",
        r#"
local n = 0
sys.taskInit(function()
  local ok = sys.waitUntil("never", 5000)        -- spans the three sleeps
  log.info("other", "timed out", ok, Node.uptime())
end)
sys.taskInit(function()
  sys.wait(1000)
  while n < 3 do
    n = n + 1
    log.info("main", "cause", Node.deepSleep(500), n)
  end
end)
sys.run()
"#,
        "",
    );
    let user: Vec<&String> = lines.iter().filter(|l| l.contains("user.")).collect();
    assert_eq!(
        user,
        [
            "I/user.main cause timer 1",
            "I/user.main cause timer 2",
            "I/user.main cause timer 3",
            "I/user.other timed out false 2498", // 5 s after it began: 2503 ms of boots and sleeps before this boot
        ],
        "{lines:#?}"
    );
}

#[test]
fn a_value_that_cannot_persist_raises_in_the_task_and_the_device_stays_awake() {
    let lines = sleepy_run(
        "3s",
        r#"
sys.taskInit(function()
  local f = load("return 1")
  Node.deepSleep(500)
  log.info("t", "not reached")
end)
sys.taskInit(function()
  sys.wait(100)
  log.info("t", "still awake", Node.wakeCause())
end)
sys.run()
"#,
        "",
    );
    assert!(lines.iter().any(|l| l.contains("cannot persist task 1 › local 'f': a function defined at")), "{lines:#?}");
    assert!(lines.iter().any(|l| l == "I/user.t still awake power-on"), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("not reached")), "{lines:#?}");
}

#[test]
fn a_coroutine_that_resumed_another_is_refused_with_its_path() {
    let script = r#"
        outer = coroutine.create(function()
          local inner = coroutine.create(function() refusal = persist_now() end)
          coroutine.resume(inner)
        end)
        task = coroutine.create(function() local o = outer; coroutine.yield() end)
        assert(coroutine.resume(task))
    "#;
    let s = side(script);
    let (persister, ctx, chunks) = (s.persister.clone(), s.ctx.clone(), s.chunks.clone());
    let persist_now = s
        .lua
        .create_function(move |lua, ()| {
            let task: Thread = lua.globals().get("task")?;
            let result = persister.persist.call::<luasim_core::mlua::LuaString>((ctx.clone(), chunks.clone(), task));
            Ok(result.err().map(|e| e.to_string()))
        })
        .unwrap();
    s.lua.globals().set("persist_now", persist_now).unwrap();
    s.run();
    let outer: Thread = s.task("outer");
    outer.resume::<()>(()).unwrap();
    let refusal: String = s.lua.globals().get("refusal").unwrap();
    assert!(refusal.contains("task 1 › local 'o': a coroutine that is running (it resumed another)"), "{refusal}");
}

#[test]
fn a_bad_sleep_time_and_an_image_over_budget_are_refused_and_the_device_stays_awake() {
    let lines = sleepy_run(
        "2s",
        r#"
sys.taskInit(function()
  log.info("t", "bad", pcall(Node.deepSleep, -1))
  log.info("t", "bad", pcall(Node.deepSleep, 1.5))
  local big = string.rep("x", 17000)
  log.info("t", "big", pcall(Node.deepSleep, 100))
  Node.deepSleep(100)
end)
sys.run()
"#,
        "",
    );
    assert_eq!(
        lines[..3],
        [
            "I/user.t bad false bad argument #1 to 'deepSleep' (sleep time must be >= 0 ms, got -1)",
            "I/user.t bad false bad argument #1 to 'deepSleep' (number has no integer representation)",
            // under pcall the yield is refused first; without it, the image's size
            "I/user.t big false Node.deepSleep: cannot persist task 1: a yield across a C function (pcall, a metamethod or an iterator)",
        ],
        "{lines:#?}"
    );
    assert!(
        lines[3].starts_with("E/user.sys task error: /scripts/main.lua:7: Node.deepSleep: keeping the tasks wants 17")
            && lines[3].contains("bytes but only 16368 of the 16384-byte sleep region are free"),
        "{lines:#?}"
    );
    assert_eq!(lines.len(), 4, "the device never slept: {lines:#?}");
}

#[test]
fn a_script_changed_between_sleeps_makes_the_image_stale_and_the_boot_fresh() {
    let main = r#"
log.info("boot", "v1", Node.wakeCause())
sys.taskInit(function() sys.wait(100) Node.deepSleep(1000) log.info("t", "resumed") end)
sys.run()
"#;
    // an OTA while the device boots from its first sleep (it wakes at 1101 ms, Lua at 1102 ms)
    let v2 = r#"log.info(\"boot\", \"v2\", Node.wakeCause())\nsys.run()\n"#;
    let steps = format!("steps:\n  - {{ at: 1101500us, write: {{ path: /scripts/main.lua, text: \"{v2}\" }} }}\n");
    let lines = sleepy_run("3s", main, &steps);
    let lines: Vec<&String> = lines.iter().filter(|l| !l.starts_with("I/sleepy tasks kept")).collect();
    assert_eq!(
        lines,
        [
            "I/user.boot v1 power-on",
            "W/sleepy tasks not restored: /scripts/main.lua changed since they slept; booting afresh",
            "I/user.boot v2 timer",
        ],
        "{lines:#?}"
    );
}

/// Sleeps whose image is lost boot afresh with the cause of the loss; the boot's own sleep
/// then keeps the task again.
#[test]
fn a_lost_image_boots_afresh_and_the_next_sleep_keeps_the_task() {
    let main = r#"
log.info("boot", Node.wakeCause())
sys.taskInit(function() sys.wait(100) Node.deepSleep(1000) log.info("t", "resumed") end)
sys.run()
"#;
    let cases: [(&str, &str, &[&str]); 2] = [
        // the first sleep's image is torn: a power-on boot runs main.lua again; its sleep holds
        (
            "3s",
            "steps:\n  - { at: 50ms, power_loss: { off: 10ms, during_write: true } }\n",
            &[
                "I/user.boot power-on",
                "I/user.boot power-on",
                "I/sleepy tasks kept: image 240 bytes",
                "I/sleepy tasks restored: image 240 bytes",
                "I/user.t resumed",
            ],
        ),
        // a brownout while asleep empties the sleep region; the run ends before the next wake
        (
            "1500ms",
            "steps:\n  - { at: 500ms, brownout: true }\n",
            &[
                "I/user.boot power-on",
                "I/sleepy tasks kept: image 240 bytes",
                "I/user.boot brownout",
                "I/sleepy tasks kept: image 240 bytes",
            ],
        ),
    ];
    for (duration, steps, expected) in cases {
        assert_eq!(sleepy_run(duration, main, steps), expected, "{steps}");
    }
}

/// The cross-check's scenario (identical on the firmware), run as a user does: its expectations
/// hold the order of the two tasks' lines.
#[test]
fn a_second_task_asking_to_sleep_while_one_is_going_is_refused_at_once() {
    let out = std::process::Command::new(luasim_tests::luasim_binary())
        .args(["run", "scenarios/crosscheck/sleepy_two_sleepers.yaml"])
        .current_dir(luasim_tests::repo_root())
        .output()
        .expect("luasim runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("I/user.second false Node.deepSleep: another task is already going to sleep"), "{text}");
    assert!(text.contains("verdict    PASS"), "{text}");
}

/// The sizes of the `tasks kept` lines.
fn kept_sizes(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("I/sleepy tasks kept: image ")?.strip_suffix(" bytes")?.parse().ok())
        .collect()
}

#[test]
fn an_embedded_image_is_the_named_one_plus_each_scripts_bytecode() {
    let main = r#"
sys.taskInit(function()
  local n = 0
  while n < 2 do n = n + 1; log.info("t", "woke", Node.deepSleep(500), n) end
end)
sys.run()
"#;
    let named = kept_sizes(&sleepy_run("3s", main, ""));
    let embedded = kept_sizes(&sleepy_run_with(EMBEDDED, "3s", main, ""));
    // the script as the device compiles it, dumped with its debug information
    let lua = luasim_core::mlua::Lua::new();
    let chunk = lua.load(main).set_name("@/scripts/main.lua").into_function().unwrap();
    let dump = chunk.dump(false);
    let code = dump.len();
    // a chunk loaded from its bytecode dumps to the same bytes: every later image is the same
    let again = lua.load(&dump[..]).set_mode(luasim_core::mlua::chunk::ChunkMode::Binary).into_function().unwrap();
    assert_eq!(again.dump(false), dump);
    assert_eq!(named.len(), 2);
    assert_eq!(embedded, named.iter().map(|n| n + 4 + code).collect::<Vec<_>>(), "{code} bytes of bytecode");
}

#[test]
fn with_embedded_code_a_script_changed_between_sleeps_does_not_stop_the_task() {
    let main = r#"
log.info("boot", "v1", Node.wakeCause())
sys.taskInit(function()
  local n = 0
  while n < 2 do n = n + 1; log.info("t", "v1", Node.deepSleep(1000), n) end
  Node.restart()
end)
sys.run()
"#;
    let v2 = r#"log.info(\"boot\", \"v2\", Node.wakeCause())\nsys.run()\n"#;
    let steps = format!("steps:\n  - {{ at: 1001500us, write: {{ path: /scripts/main.lua, text: \"{v2}\" }} }}\n");
    let lines = sleepy_run_with(EMBEDDED, "4s", main, &steps);
    let lines: Vec<&String> = lines.iter().filter(|l| !l.starts_with("I/sleepy tasks")).collect();
    let changed = "W/sleepy /scripts/main.lua changed since the tasks slept; they go on in the code they slept in";
    assert_eq!(
        lines,
        [
            "I/user.boot v1 power-on",
            changed,
            "I/user.t v1 timer 1",
            changed,
            "I/user.t v1 timer 2",
            "I/user.boot v2 reset"
        ],
        "{lines:#?}"
    );
}

#[test]
fn embedded_code_needs_sleepy() {
    let yaml = luasim_tests::scenario("{ profile: esp32s3, sleepy_embed_code: true }", "1s", "sys.run()");
    let parsed = luasim_core::scenario::Scenario::parse(
        &yaml,
        "inline.yaml",
        std::path::Path::new("."),
        &luasim_core::scenario::HostFiles,
    );
    let Err(err) = parsed.map(|_| ()) else { panic!("accepted without sleepy") };
    let err = err.to_string();
    assert!(err.contains("sleepy_embed_code needs sleepy: true"), "{err}");
}
