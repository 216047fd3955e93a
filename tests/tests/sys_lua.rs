//! `lua/sys.lua`'s LuatOS-compatible semantics on the virtual clock: taskInit, publish/subscribe
//! dispatch order, waitUntil(Ext), one-shot and loop timers, errors outside and inside tasks,
//! LuatOS-style scripts with exact timings, the taskInitEx mailbox family, and determinism.

use luasim_core::runtime::RunReport;
use luasim_core::time::Micros;
use luasim_core::trace::EventKind;
use luasim_tests::*;

/// Log lines with their virtual time (µs), as owned pairs for whole-sequence comparisons.
fn timed(report: &RunReport) -> Vec<(Micros, String)> {
    logs(report)
}

/// `(time, line)` pairs from literals.
fn expect(pairs: &[(Micros, &str)]) -> Vec<(Micros, String)> {
    pairs.iter().map(|(t, l)| (*t, l.to_string())).collect()
}

/// `ERROR` events of the trace as `(time, what, message)`.
fn errors(report: &RunReport) -> Vec<(Micros, String, String)> {
    report
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Error { what, message } => Some((e.at_us, what.clone(), message.clone())),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. taskInit

#[test]
fn task_init_runs_the_task_to_its_first_yield_before_the_next_line() {
    let r = run_main(
        "1s",
        r#"
print("before")
local co = sys.taskInit(function(a, b)
  print("task start", a, b)
  sys.wait(100)
  print("task resumed")
end, "x", 2)
print("after", type(co), coroutine.status(co))
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (1_000, "before"),
            (1_000, "task start\tx\t2"),
            (1_000, "after\tthread\tsuspended"),
            (101_000, "task resumed"),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// 2. publish / subscribe dispatch

#[test]
fn publish_only_queues_and_dispatch_is_fifo_in_subscription_order() {
    let r = run_main(
        "1s",
        r#"
sys.subscribe("A", function(x) print("A1", x) end)
sys.subscribe("A", function(x)
  print("A2", x)
  if x == 1 then sys.publish("C", "fromA") end
end)
sys.subscribe("B", function(x) print("B", x) end)
sys.subscribe("C", function(x) print("C", x) end)
sys.publish("A", 1)
sys.publish("B", 2)
sys.publish("A", 3)
print("published")
sys.taskInit(function()
  sys.publish("B", "task")
  print("task published")
end)
sys.timerStart(function()
  sys.publish("B", "timer")
  print("timer callback done")
end, 50)
print("main end")
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (1_000, "published"),
            (1_000, "task published"),
            (1_000, "main end"),
            (1_000, "A1\t1"),
            (1_000, "A2\t1"),
            (1_000, "B\t2"),
            (1_000, "A1\t3"),
            (1_000, "A2\t3"),
            (1_000, "B\ttask"),
            (1_000, "C\tfromA"),
            (51_000, "timer callback done"),
            (51_000, "B\ttimer"),
        ])
    );
}

#[test]
fn a_message_published_by_a_subscriber_is_delivered_in_the_same_dispatch_pass() {
    // T1 and T2 expire in the same tick, so T2's expiry is already waiting in the rtos queue
    // while T1's publish is dispatched. Q (published by P's subscriber) must still come before
    // T2: the dispatch pass runs until the Lua queue is empty before taking the next rtos message.
    let r = run_main(
        "1s",
        r#"
sys.subscribe("P", function() print("P"); sys.publish("Q") end)
sys.subscribe("Q", function() print("Q") end)
sys.timerStart(function() print("T1"); sys.publish("P") end, 100)
sys.timerStart(function() print("T2") end, 100)
sys.run()
"#,
    );
    assert_eq!(timed(&r), expect(&[(101_000, "T1"), (101_000, "P"), (101_000, "Q"), (101_000, "T2")]));
}

// ---------------------------------------------------------------------------------------------
// 3. waitUntil / waitUntilExt

#[test]
fn wait_until_returns_true_and_args_or_false_exactly_at_the_timeout() {
    let r = run_main(
        "2s",
        r#"
sys.taskInit(function()
  print("r1", sys.waitUntil("X", 300))
  print("r2", sys.waitUntil("Y", 300))
  print("r3", sys.waitUntilExt("Z", 300))
  print("r4", sys.waitUntilExt("Z", 100))
  print("r5", sys.waitUntil("W"))
  print("r6", sys.waitUntilExt("W"))
  print("r7", sys.waitUntil("N", 300))
end)
sys.timerStart(sys.publish, 400, "Y", 7, "s")
sys.timerStart(sys.publish, 500, "Z", 8, "t")
sys.timerStart(sys.publish, 900, "W")
sys.timerStart(sys.publish, 1200, "W", 9)
sys.timerStart(sys.publish, 1300, "N", nil, 2)
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (301_000, "r1\tfalse"),
            (401_000, "r2\ttrue\t7\ts"),
            (501_000, "r3\tZ\t8\tt"),
            (601_000, "r4\tfalse"),
            (901_000, "r5\ttrue"),
            (1_201_000, "r6\tW\t9"),
            (1_301_000, "r7\ttrue\tnil\t2"),
        ])
    );
}

#[test]
fn wait_until_stops_its_timeout_timer_when_the_message_arrives() {
    // Woken at 101 ms by the message, the task then waits 250 ms: the stale 300 ms timeout of
    // the first waitUntil (due at 301 ms) must not wake it early.
    let r = run_main(
        "1s",
        r#"
sys.taskInit(function()
  print("got", sys.waitUntil("M", 300))
  sys.wait(250)
  print("slept")
end)
sys.timerStart(sys.publish, 100, "M", "m")
sys.run()
"#,
    );
    assert_eq!(timed(&r), expect(&[(101_000, "got\ttrue\tm"), (351_000, "slept")]));
}

// ---------------------------------------------------------------------------------------------
// 4. timerStart / timerStop / timerStopAll / timerIsActive

#[test]
fn timer_start_restarts_on_same_function_and_arguments_only() {
    let r = run_main(
        "1s",
        r#"
local function f(tag) print("f", tag) end
local function g() print("g") end
sys.timerStart(f, 100, "a")
sys.timerStart(f, 200, "b")
sys.timerStart(f, 300, "a")   -- same fn, same args: restarts "a"
sys.timerStart(g, 100)
sys.timerStart(g, 250)        -- same fn, no args: restarts g
sys.timerStart(f, 120, "a", 1) -- different args: a separate timer
sys.run()
"#,
    );
    assert_eq!(timed(&r), expect(&[(121_000, "f\ta"), (201_000, "f\tb"), (251_000, "g"), (301_000, "f\ta"),]));
}

#[test]
fn timer_stop_by_function_and_arguments_by_id_and_stop_all() {
    let r = run_main(
        "1s",
        r#"
local function f(tag) print("f", tag) end
local function h(n) print("h", n) end
sys.timerStart(f, 100, "b")
local id_c = sys.timerStart(f, 150, "c")
local id_d = sys.timerStart(f, 160, "d")
sys.timerStart(f, 250, "e")
sys.timerStart(f, 260)
for n = 1, 3 do sys.timerStart(h, 100 + n, n) end
print("ids", math.type(id_c), id_c ~= id_d)
sys.timerStop(f, "b")   -- only f("b")
sys.timerStop(id_c)     -- only f("c"), by id
sys.timerStopAll(h)     -- every h, whatever its arguments
print("before", sys.timerIsActive(id_d), sys.timerIsActive(f, "d"), sys.timerIsActive(f, "b"),
  sys.timerIsActive(id_c), sys.timerIsActive(h, 1), sys.timerIsActive(f, "d", "x"), sys.timerIsActive(f))
sys.timerStart(function()
  print("after", sys.timerIsActive(id_d), sys.timerIsActive(f, "d"), sys.timerIsActive(f, "e"), sys.timerIsActive(f))
end, 200)
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (1_000, "ids\tinteger\ttrue"),
            (1_000, "before\ttrue\ttrue\tfalse\tfalse\tfalse\tfalse\ttrue"),
            (161_000, "f\td"),
            (201_000, "after\tfalse\tfalse\ttrue\ttrue"),
            (251_000, "f\te"),
            (261_000, "f\tnil"),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// 5. timerLoopStart

#[test]
fn loop_timer_fires_every_period_without_drift_and_stops() {
    let r = run_main(
        "3s",
        r#"
local n = 0
local id
id = sys.timerLoopStart(function(tag)
  n = n + 1
  print("loop", tag, n, sys.timerIsActive(id))
  if n == 4 then sys.timerStop(id) end
end, 250, "L")
local function m(tag) print("m", tag) end
sys.timerLoopStart(m, 333, "M")
sys.timerStart(function() sys.timerStop(m, "M") end, 1100)
sys.timerStart(function() print("active", sys.timerIsActive(id), sys.timerIsActive(m, "M")) end, 1200)
sys.run()
"#,
    );
    assert_eq!(times_of(&r, "loop\tL"), vec![251_000, 501_000, 751_000, 1_001_000]);
    assert_eq!(times_of(&r, "m\tM"), vec![334_000, 667_000, 1_000_000]);
    let lines = log_lines(&r);
    assert!(lines.contains(&"loop\tL\t4\ttrue".to_string()), "{lines:?}");
    assert_eq!(times_of(&r, "active\tfalse\tfalse"), vec![1_201_000]);
}

// ---------------------------------------------------------------------------------------------
// 6. waiting outside a task

#[test]
fn sys_wait_in_the_main_chunk_is_an_error_with_a_traceback() {
    let r = run_main(
        "1s",
        r#"
print("start")
sys.wait(100)
print("never")
"#,
    );
    assert_eq!(log_lines(&r), vec!["start"]);
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (at, what, message) = &errs[0];
    assert_eq!(*at, 1_000);
    assert_eq!(what, "script /scripts/main.lua");
    assert!(message.contains("must be called inside a task"), "{message}");
    assert!(message.contains("/scripts/main.lua:3:"), "{message}");
    assert!(message.contains("stack traceback"), "{message}");
    let line = trace_text(&r).lines().find(|l| l.contains(" ERROR ")).unwrap().to_string();
    assert!(line.contains("must be called inside a task") && line.contains("stack traceback"), "{line}");
}

#[test]
fn sys_wait_in_a_timer_callback_is_an_error_with_a_traceback() {
    let r = run_main(
        "1s",
        r#"
sys.timerStart(function()
  print("callback")
  sys.wait(10)
end, 100)
sys.run()
"#,
    );
    assert_eq!(timed(&r), expect(&[(101_000, "callback")]));
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (at, what, message) = &errs[0];
    assert_eq!(*at, 101_000);
    assert_eq!(what, "script /scripts/main.lua");
    assert!(message.contains("/scripts/main.lua:4: sys.wait must be called inside a task"), "{message}");
    assert!(message.contains("stack traceback"), "{message}");
    let text = trace_text(&r);
    let line = text.lines().find(|l| l.contains(" ERROR ")).unwrap();
    assert!(line.starts_with("      0.101000        101 ERROR    script /scripts/main.lua: "), "{line}");
    assert!(line.contains("must be called inside a task") && line.contains("stack traceback"), "{line}");
}

#[test]
fn waiting_in_a_coroutine_not_started_by_task_init_is_an_error() {
    let r = run_main(
        "1s",
        r#"
local ok, err = pcall(sys.waitUntil, "X", 10)
print("main", ok, err:find("must be called inside a task", 1, true) ~= nil)
local co = coroutine.create(function() sys.wait(10) end)
local ok2, err2 = coroutine.resume(co)
print("coroutine", ok2, err2:find("must be called inside a task", 1, true) ~= nil)
"#,
    );
    assert_eq!(log_lines(&r), vec!["main\tfalse\ttrue", "coroutine\tfalse\ttrue"]);
}

// ---------------------------------------------------------------------------------------------
// 7. errors inside tasks

#[test]
fn an_error_in_a_task_is_logged_with_its_traceback_and_the_loop_continues() {
    let r = run_main(
        "1s",
        r#"
sys.taskInit(function()
  sys.wait(100)
  error("boom 42")
end)
sys.taskInit(function()
  for i = 1, 3 do sys.wait(100); print("other", i) end
end)
sys.taskInit(function() local t = nil; return t.x end)
sys.taskInit(function()
  sys.waitUntil("GO")
  error("late " .. 7)
end)
sys.timerStart(sys.publish, 150, "GO")
print("main goes on")
sys.run()
"#,
    );
    let errs: Vec<(Micros, String)> = timed(&r).into_iter().filter(|(_, l)| l.starts_with("E/")).collect();
    assert_eq!(errs.len(), 3, "{errs:?}");
    let (t0, first) = &errs[0];
    assert_eq!(*t0, 1_000);
    assert!(first.starts_with("E/user.sys task error: /scripts/main.lua:9:"), "{first}");
    assert!(first.contains("attempt to index a nil value"), "{first}");
    assert!(first.contains("stack traceback"), "{first}");
    let (t1, second) = &errs[1];
    assert_eq!(*t1, 101_000);
    assert!(second.starts_with("E/user.sys task error: /scripts/main.lua:4: boom 42"), "{second}");
    assert!(second.contains("stack traceback"), "{second}");
    // A task resumed by a message (not by its timer) fails the same way.
    let (t2, third) = &errs[2];
    assert_eq!(*t2, 151_000);
    assert!(third.starts_with("E/user.sys task error: /scripts/main.lua:12: late 7"), "{third}");
    assert!(third.contains("stack traceback"), "{third}");
    assert_eq!(times_of(&r, "main goes on"), vec![1_000]);
    assert_eq!(times_of(&r, "other"), vec![101_000, 201_000, 301_000]);
    assert_eq!(r.stats.boots, 1);
    assert!(errors(&r).is_empty(), "a task error is a log line, not a script error");
}

#[test]
fn coroutine_error_restart_reboots_the_device() {
    let r = run_main(
        "1200ms",
        r#"
COROUTINE_ERROR_RESTART = true
print("started")
sys.taskInit(function()
  sys.wait(500)
  error("crash")
end)
sys.run()
"#,
    );
    assert_eq!(times_of(&r, "started"), vec![1_000, 502_000, 1_003_000]);
    assert_eq!(times_of(&r, "E/user.sys task error: /scripts/main.lua:6: crash"), vec![501_000, 1_002_000]);
    assert_eq!(r.stats.boots, 3);
}

// ---------------------------------------------------------------------------------------------
// 8. LuatOS-compatibility scripts (sys.* and log.* only)

#[test]
fn luatos_two_tasks_waiting_in_loops_interleave_exactly() {
    let r = run_main(
        "1600ms",
        r#"
sys.taskInit(function()
  local n = 0
  while true do
    sys.wait(300)
    n = n + 1
    log.info("taskA", "tick", n)
  end
end)
sys.taskInit(function()
  local n = 0
  while true do
    sys.wait(500)
    n = n + 1
    log.info("taskB", "tick", n)
  end
end)
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (301_000, "I/user.taskA tick 1"),
            (501_000, "I/user.taskB tick 1"),
            (601_000, "I/user.taskA tick 2"),
            (901_000, "I/user.taskA tick 3"),
            (1_001_000, "I/user.taskB tick 2"),
            (1_201_000, "I/user.taskA tick 4"),
            (1_501_000, "I/user.taskB tick 3"),
            (1_501_000, "I/user.taskA tick 5"),
        ])
    );
}

#[test]
fn luatos_timers_started_restarted_and_stopped_by_callback_and_arguments() {
    let r = run_main(
        "3s",
        r#"
local function cb(name) log.info("timer", name) end
sys.timerStart(cb, 1000, "one")
sys.timerStart(cb, 2000, "two")
sys.timerStart(cb, 1500, "three")
sys.timerStart(cb, 500, "one")          -- restart "one" earlier
sys.timerStart(function()
  sys.timerStart(cb, 1000, "two")       -- restart "two" from a callback: 300 + 1000
  sys.timerStop(cb, "three")
  log.info("ctl", "restarted two, stopped three")
end, 300)
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (301_000, "I/user.ctl restarted two, stopped three"),
            (501_000, "I/user.timer one"),
            (1_301_000, "I/user.timer two"),
        ])
    );
}

#[test]
fn luatos_loop_timer_observed_with_wait_until_timeouts() {
    let r = run_main(
        "3200ms",
        r#"
sys.timerLoopStart(sys.publish, 1000, "TICK", "x")
sys.taskInit(function()
  while true do
    local ok, v = sys.waitUntil("TICK", 700)
    log.info("wait", tostring(ok), tostring(v))
  end
end)
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (701_000, "I/user.wait false nil"),
            (1_001_000, "I/user.wait true x"),
            (1_701_000, "I/user.wait false nil"),
            (2_001_000, "I/user.wait true x"),
            (2_701_000, "I/user.wait false nil"),
            (3_001_000, "I/user.wait true x"),
        ])
    );
}

#[test]
fn luatos_publish_subscribe_with_late_subscriber_and_unsubscribe() {
    let r = run_main(
        "550ms",
        r#"
local n = 0
sys.timerLoopStart(function() n = n + 1; sys.publish("EVT", n) end, 100)
local function early(v) log.info("early", v) end
sys.subscribe("EVT", early)
sys.timerStart(function()
  sys.subscribe("EVT", function(v) log.info("late", v) end)
end, 250)
sys.timerStart(function() sys.unsubscribe("EVT", early) end, 350)
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (101_000, "I/user.early 1"),
            (201_000, "I/user.early 2"),
            (301_000, "I/user.early 3"),
            (301_000, "I/user.late 3"),
            (401_000, "I/user.late 4"),
            (501_000, "I/user.late 5"),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// 9. taskInitEx / sendMsg / waitMsg / cleanMsg

#[test]
fn task_mailboxes_send_wait_skip_timeout_and_clean() {
    let r = run_main(
        "1s",
        r#"
local function other(msg) print("skipped", msg[1], msg[2]) end
sys.taskInitEx(function()
  local m = sys.waitMsg("worker")
  print("got", m[1], m[2], #m)
  m = sys.waitMsg("worker", "want", 300)
  print("target", m[1], m[2])
  print("timeout", sys.waitMsg("worker", "want", 200))
  sys.wait(100)
  print("clean", sys.cleanMsg("worker"))
  print("after clean", sys.waitMsg("worker", nil, 100))
end, "worker", other)
print("unknown", sys.sendMsg("nobody", 1), sys.cleanMsg("nobody"))
sys.timerStart(function() print("sent", sys.sendMsg("worker", "a", "b")) end, 100)
sys.timerStart(function()
  sys.sendMsg("worker", "noise", 1)
  sys.sendMsg("worker", "want", 2)
end, 200)
sys.timerStart(function() sys.sendMsg("worker", "noise", 3) end, 300)
sys.timerStart(function() sys.sendMsg("worker", "stale", 4) end, 450)
sys.run()
"#,
    );
    assert_eq!(
        timed(&r),
        expect(&[
            (1_000, "unknown\tfalse\tfalse"),
            (101_000, "sent\ttrue"),
            (101_000, "got\ta\tb\t2"),
            (201_000, "skipped\tnoise\t1"),
            (201_000, "target\twant\t2"),
            (301_000, "skipped\tnoise\t3"),
            (401_000, "timeout\tfalse"),
            (501_000, "clean\ttrue"),
            (601_000, "after clean\tfalse"),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// 10. determinism

#[test]
#[cfg_attr(
    feature = "lua53",
    ignore = "Lua 5.3 mixes heap and stack addresses into its string-hash seed (README, Determinism)"
)]
fn the_same_scenario_twice_gives_a_byte_identical_trace() {
    let main = r#"
local names = {}
for i = 1, 20 do names[i] = "topic" .. i end
local function cb(...) log.info("cb", ...) end
for i, name in ipairs(names) do
  sys.subscribe(name, function(v) log.info(name, v) end)
  sys.timerStart(cb, 10 * i, name, i)
  sys.timerStart(sys.publish, 5 * i, name, i)
end
sys.timerStart(function() sys.timerStopAll(cb) end, 55)
sys.taskInit(function()
  for i = 1, 5 do
    local ok, v = sys.waitUntil("topic" .. i, 50)
    log.info("task", tostring(ok), tostring(v), math.random(1000))
  end
end)
sys.timerLoopStart(function() log.info("loop", os.clock()) end, 70)
sys.run()
"#;
    let a = trace_text(&run_main("1s", main));
    let b = trace_text(&run_main("1s", main));
    assert!(a.lines().count() > 100, "{a}");
    assert!(a.contains("I/user.loop"), "{a}");
    assert!(a.contains("timer-"), "{a}");
    assert_eq!(a, b);
}

#[test]
fn waiting_outside_a_task_blames_the_callers_line() {
    let r = run_main(
        "1s",
        r#"
local _, a = pcall(function() sys.waitUntil("x", 10) end)
local _, b = pcall(function() sys.wait(10) end)
local _, c = pcall(function() sys.waitUntilExt("x") end)
print(a) print(b) print(c)
"#,
    );
    assert_eq!(
        log_lines(&r),
        vec![
            "/scripts/main.lua:2: sys.waitUntil must be called inside a task started by sys.taskInit",
            "/scripts/main.lua:3: sys.wait must be called inside a task started by sys.taskInit",
            "/scripts/main.lua:4: sys.waitUntilExt must be called inside a task started by sys.taskInit",
        ]
    );
}
