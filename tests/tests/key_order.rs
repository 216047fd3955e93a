//! `pairs()` over tables keyed by tables, functions and coroutines: Lua hashes such keys by
//! their address, so the order is the simulator's only if every block of a state lands at the
//! same address in every run. Checked in separate processes (address-space randomisation, a
//! fresh heap each time), on threads of one process at once (states side by side, each thread
//! with its own kept memory); each run reboots and wakes from deep sleep, so later boots make
//! their state on memory an earlier state used.

use luasim_tests::{log_lines, luasim_binary, repo_root, run_yaml, scenario};
use std::process::Command;

/// Prints the order `pairs()` gives for 40 table keys, 12 closures, 8 coroutines and a set that
/// lost half its keys to the collector, then reboots, and after the reboot sleeps once: three
/// boots, each on memory the one before used.
const MAIN_LUA: &str = r#"
local function order(t)
  local seen = {}
  for _, v in pairs(t) do seen[#seen + 1] = v end
  return table.concat(seen, ",")
end
local tables, closures, threads, weak = {}, {}, {}, setmetatable({}, { __mode = "k" })
local keep = {}
for i = 1, 40 do tables[{ id = i }] = i end
for i = 1, 12 do closures[function() return i end] = i end
for i = 1, 8 do threads[coroutine.create(function() return i end)] = i end
for i = 1, 30 do
  local key = {}
  weak[key] = i
  if i % 2 == 0 then keep[#keep + 1] = key end
end
collectgarbage()
print("tables " .. order(tables))
print("closures " .. order(closures))
print("threads " .. order(threads))
print("weak " .. order(weak))
local cause = Node.wakeCause()
if cause == "power-on" then
  sys.timerStart(rtos.reboot, 500)
elseif cause == "reset" then
  sys.timerStart(Node.deepSleep, 500, 300)
end
sys.run()
"#;

fn yaml() -> String {
    scenario("esp32", "3s", MAIN_LUA)
}

fn orders(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| ["tables ", "closures ", "threads ", "weak "].iter().any(|p| l.contains(p)))
        .cloned()
        .collect()
}

#[test]
#[cfg_attr(
    feature = "lua53",
    ignore = "Lua 5.3 mixes heap and stack addresses into its hash seed: closures as keys still differ (README, Determinism)"
)]
fn object_keys_come_in_one_order_on_threads_side_by_side() {
    let text = yaml();
    let alone = orders(&log_lines(&run_yaml(&text)));
    assert_eq!(alone.len(), 12, "three boots print four orders each: {alone:?}");
    let side_by_side: Vec<Vec<String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..4).map(|_| scope.spawn(|| orders(&log_lines(&run_yaml(&text))))).collect();
        runs.into_iter().map(|r| r.join().expect("a run")).collect()
    });
    for run in side_by_side {
        assert_eq!(run, alone, "a run on another thread saw another order");
    }
}

#[test]
#[cfg_attr(
    feature = "lua53",
    ignore = "Lua 5.3 mixes heap and stack addresses into its hash seed: closures as keys still differ (README, Determinism)"
)]
fn object_keys_come_in_one_order_in_every_process() {
    let dir = std::env::temp_dir().join(format!("luasim-key-order-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp folder");
    let path = dir.join("keys.yaml");
    std::fs::write(&path, yaml()).expect("the scenario is written");
    let run = || {
        let out = Command::new(luasim_binary())
            .args(["run", &path.to_string_lossy()])
            .current_dir(repo_root())
            .output()
            .expect("luasim runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        orders(&lines)
    };
    let first = run();
    assert_eq!(first.len(), 12, "{first:?}");
    for _ in 0..3 {
        assert_eq!(run(), first, "another process saw another order");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
