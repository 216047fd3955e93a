//! The `luasim` binary as a user runs it: exit codes, output forms, and byte-identical traces
//! from separate processes (address-space randomisation must not leak into a trace).

use luasim_tests::{luasim_binary, repo_root};
use std::path::PathBuf;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(luasim_binary()).args(args).current_dir(repo_root()).output().expect("luasim runs")
}

fn write_scenario(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luasim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

/// stdout without the wall-clock line, which is the only part allowed to differ between runs.
fn deterministic_stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.starts_with("wall ")).map(|l| format!("{l}\n")).collect()
}

#[test]
fn default_run_is_the_built_in_blink_demo_and_passes() {
    let out = run(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("log      LED ON"));
    assert!(text.contains("verdict    PASS"));
    assert!(text.contains("x real time"), "summary reports simulated/wall ratio");
}

#[test]
fn exit_codes_are_0_pass_1_fail_2_error() {
    let failing = write_scenario(
        "fail.yaml",
        "name: f\ndevice: esp32\nscripts: { main.lua: \"print('hi')\" }\nduration: 1s\nexpect:\n  - log: bye\n",
    );
    assert_eq!(run(&["run", "-q", failing.to_str().unwrap()]).status.code(), Some(1));
    let broken = write_scenario("broken.yaml", "name: b\ndevice: esp32\nscripts: {}\nduration: 1\n");
    let out = run(&["run", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.yaml:4:11: duration: `1` has no unit"), "{err}");
    assert_eq!(run(&["run", "no/such/file.yaml"]).status.code(), Some(2));
}

#[test]
#[cfg_attr(
    feature = "lua53",
    ignore = "Lua 5.3 mixes heap and stack addresses into its string-hash seed (README, Determinism)"
)]
fn traces_are_byte_identical_across_processes() {
    let path = write_scenario(
        "det.yaml",
        r#"name: det
device: esp32
seed: 42
duration: 30s
scripts:
  main.lua: |
    local t = {}
    for i = 1, 50 do t["sensor" .. i] = i end
    sys.timerLoopStart(function()
      local keys = {}
      for k in pairs(t) do keys[#keys + 1] = k end
      log.info("pairs", table.concat(keys, ","), math.random(1, 1e6))
    end, 1000)
    sys.run()
"#,
    );
    let a = run(&["run", path.to_str().unwrap()]);
    let b = run(&["run", path.to_str().unwrap()]);
    assert_eq!(a.status.code(), Some(0), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(deterministic_stdout(&a), deterministic_stdout(&b));
}

#[test]
fn json_summary_and_trace_export() {
    let trace = std::env::temp_dir().join(format!("luasim-cli-trace-{}.json", std::process::id()));
    let out = run(&["run", "scenarios/blink.yaml", "--json", "--trace-json", trace.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"end_reason\": \"duration reached\""), "{text}");
    let events = std::fs::read_to_string(&trace).unwrap();
    assert!(events.trim_start().starts_with('['));
    assert!(events.contains("\"kind\": \"timer_fire\""));
}

#[test]
fn test_command_runs_a_folder_and_writes_junit() {
    let dir = std::env::temp_dir().join(format!("luasim-cli-suite-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    let ok = "name: ok\ndevice: esp32\nscripts: { main.lua: \"print('hi')\" }\nduration: 1s\n";
    std::fs::write(dir.join("ok.yaml"), ok).unwrap();
    std::fs::write(dir.join("nested/also_ok.yaml"), ok.replace("name: ok", "name: also_ok")).unwrap();
    let junit = dir.join("report.xml");
    let out = run(&["test", dir.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("2 scenarios, 2 passed, 0 failed"), "{table}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("[  2/2]"));
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<testcase name=\"also_ok\""));
    std::fs::write(dir.join("bad.yaml"), ok.replace("print('hi')", "print(")).unwrap();
    assert_eq!(run(&["test", dir.to_str().unwrap()]).status.code(), Some(1));
}

#[test]
fn tui_refuses_files_that_are_not_traces_or_scenarios() {
    let not_a_trace = write_scenario("not_a_trace.json", "{\"kind\": \"boot\"}");
    let out = run(&["tui", not_a_trace.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not_a_trace.json is not a luasim trace"));
    let notes = write_scenario("notes.txt", "hello");
    let out = run(&["tui", notes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a scenario (.yaml, .yml) or a trace (.json)"));
}
