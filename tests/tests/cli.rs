//! The `luasim` binary as a user runs it: exit codes, output forms, and byte-identical traces
//! from separate processes (address-space randomisation must not leak into a trace).

use luasim_tests::{luasim_binary, repo_root};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

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

/// A folder with a passing, a hanging (a pattern that backtracks inside C, past the host-time
/// limit) and a failing scenario, and a link from a subfolder back to the folder itself.
fn hostile_suite() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luasim-cli-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let scenario = |name: &str, main: &str| {
        format!("name: {name}\ndevice: {{ profile: esp32, boot_ms: 1 }}\nduration: 1s\nscripts:\n  main.lua: |\n    {main}\n")
    };
    std::fs::write(dir.join("a_pass.yaml"), scenario("a_pass", "print('hi')")).unwrap();
    let hang = r#"print(string.find(string.rep("a", 40), string.rep("a*", 40) .. "b"))"#;
    std::fs::write(dir.join("b_hang.yaml"), scenario("b_hang", hang)).unwrap();
    std::fs::write(dir.join("c_fail.yaml"), scenario("c_fail", "error('boom')")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
    dir
}

#[test]
fn a_suite_survives_a_scenario_that_hangs_and_does_not_follow_links_into_loops() {
    let dir = hostile_suite();
    let junit = dir.join("report.xml");
    let out = Command::new(luasim_binary())
        .args(["test", dir.to_str().unwrap(), "--jobs", "2", "--junit", junit.to_str().unwrap()])
        .env("LUASIM_HOST_TIME_LIMIT", "1s")
        .output()
        .expect("luasim runs");
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(table.contains("3 scenarios, 1 passed, 2 failed"), "each scenario once: {table}");
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with(['a', 'b', 'c'])).collect();
    assert!(rows[0].starts_with("a_pass") && rows[0].contains("PASS"), "{table}");
    assert!(rows[1].starts_with("b_hang") && rows[1].contains("ERROR"), "{table}");
    assert!(rows[2].starts_with("c_fail") && rows[2].contains("FAIL"), "{table}");
    assert!(table.contains("host time limit: no progress for"), "the reason is in the table: {table}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""), "{xml}");
    assert!(xml.contains("<testcase name=\"c_fail\""), "{xml}");
    let json = Command::new(luasim_binary())
        .args(["test", dir.to_str().unwrap(), "--json"])
        .env("LUASIM_HOST_TIME_LIMIT", "1s")
        .output()
        .unwrap();
    let items: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON results");
    let verdicts: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["PASS", "ERROR", "FAIL"]);
    assert_eq!(items[2]["report"]["stats"]["end_reason"], "duration reached");
}

#[test]
fn a_crashed_child_is_an_error_row_with_its_signal() {
    let path = write_scenario("crash.yaml", "name: crash\n");
    let entry = luasim::suite::run_isolated(std::path::Path::new("/bin/sh"), &["-c", "kill -SEGV $$", "sh"], &path);
    let error = entry.result.expect_err("no result");
    assert!(error.starts_with("the run crashed (signal 11, SIGSEGV"), "{error}");
    assert_eq!(entry.name, "crash");
}

#[test]
fn two_outputs_may_not_name_the_same_file() {
    let trace = write_scenario("same.json", "");
    let same = format!("{}/./same.json", trace.parent().unwrap().display());
    let out = run(&["run", "-q", "scenarios/blink.yaml", "--trace-json", trace.to_str().unwrap(), "--perfetto", &same]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--trace-json and --perfetto both name"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&trace).unwrap(), "", "nothing was written");
}

#[test]
fn outputs_are_renamed_into_place_and_exports_match_the_trace() {
    let dir = std::env::temp_dir().join(format!("luasim-cli-outputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (trace, perfetto, exported) = (dir.join("t.json"), dir.join("p.json"), dir.join("e.json"));
    let arg = |p: &PathBuf| p.to_str().unwrap().to_string();
    let out = run(&[
        "run",
        "-q",
        "scenarios/heartbeat_day.yaml",
        "--trace-json",
        &arg(&trace),
        "--perfetto",
        &arg(&perfetto),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["trace", "export", &arg(&trace), "-o", &arg(&exported)]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // The streamed export of the saved trace is the file `--perfetto` wrote, byte for byte,
    // except for the title (the scenario's name there, the trace file's name here).
    let (direct, again) = (std::fs::read_to_string(&perfetto).unwrap(), std::fs::read_to_string(&exported).unwrap());
    assert_eq!(direct.replacen("\"heartbeat_day\"", "\"t\"", 1), again);
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 3, "no temporary file is left: {names:?}");
}

/// Runs luasim with its stdout a pipe whose reader has already gone, and its stderr the same
/// pipe when `merged` (as `2>&1 | head`). Returns the exit code and what a separate stderr said.
fn run_into_closed_pipe(args: &[&str], merged: bool) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = Command::new(luasim_binary());
    command.args(args).current_dir(repo_root()).stdout(writer.try_clone().unwrap());
    command.stderr(if merged { Stdio::from(writer) } else { Stdio::piped() });
    let out = command.output().expect("luasim runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_reader_that_stops_after_one_line_ends_the_run_quietly() {
    use std::io::BufRead;
    let args = ["run", "scenarios/minute_task_year.yaml"];
    let mut child = Command::new(luasim_binary())
        .args(args)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.contains(" boot "), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));

    // `2>&1 | head -1`: the error message would go to the closed pipe too.
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = {
        let mut command = Command::new(luasim_binary());
        command.args(args).current_dir(repo_root()).stdout(writer.try_clone().unwrap()).stderr(writer);
        command.spawn().unwrap()
    };
    let mut first = String::new();
    std::io::BufReader::new(reader).read_line(&mut first).unwrap();
    assert!(first.contains(" boot "), "{first}");
    assert_eq!(child.wait().unwrap().code(), Some(0), "no panic (101), no error (2)");
}

#[test]
fn every_printing_command_ends_quietly_on_a_closed_pipe() {
    let dir = std::env::temp_dir().join(format!("luasim-cli-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = "name: ok\ndevice: esp32\nscripts: { main.lua: \"print('hi')\" }\nduration: 1s\n";
    std::fs::write(dir.join("ok.yaml"), ok).unwrap();
    let trace = dir.join("t.json");
    let out = run(&["run", "-q", "scenarios/blink.yaml", "--trace-json", trace.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let (suite, trace, exported) = (dir.to_str().unwrap(), trace.to_str().unwrap(), dir.join("e.json"));
    let commands: [&[&str]; 10] = [
        &["run"],
        &["run", "-q", "scenarios/blink.yaml"],
        &["run", "--json", "scenarios/blink.yaml"],
        &["test", suite],
        &["test", "--json", suite],
        &["check", "lua/examples/blink/main.lua"],
        &["trace", "export", trace, "-o", exported.to_str().unwrap()],
        &["completions", "bash"],
        &["--help"],
        &["--version"],
    ];
    for args in commands {
        let (code, _) = run_into_closed_pipe(args, true);
        assert_eq!(code, Some(0), "luasim {args:?} 2>&1 into a closed pipe");
        let (code, stderr) = run_into_closed_pipe(args, false);
        assert_eq!(code, Some(0), "luasim {args:?} into a closed pipe: {stderr}");
        assert!(!stderr.contains("Broken pipe") && !stderr.contains("panicked"), "luasim {args:?}: {stderr}");
    }
}

#[test]
fn the_bench_workloads_against_bare_mlua_run() {
    for workload in ["state-creation", "message-storm", "timer-storm"] {
        let out = run(&["bench", "--quick", "--only", workload, "--json"]);
        // Targets are reported, not an exit status (a debug build misses them): 0 is a run.
        assert_eq!(out.status.code(), Some(0), "{workload}: {}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON results");
        let result = &report["workloads"][0];
        assert_eq!(result["name"], workload);
        let figures = result["figures"].as_array().expect("figures");
        let ratio = figures.iter().find(|f| f["name"] == "simulator / bare").expect("a simulator / bare figure");
        assert!(ratio["value"].as_f64().is_some_and(|v| v > 0.0), "{ratio}");
        assert_eq!(ratio["unit"], "ratio");
        assert!(figures.iter().all(|f| f["value"].is_number() && f["text"].is_string()), "{figures:?}");
        let start = &report["load_average"]["start"];
        assert!(start.is_null() || start.as_array().is_some_and(|l| l.len() == 3 && l[0].is_number()), "{start}");
    }
}

#[test]
fn jobs_0_means_one_per_core() {
    let dir = std::env::temp_dir().join(format!("luasim-cli-jobs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = "name: ok\ndevice: esp32\nscripts: { main.lua: \"print('hi')\" }\nduration: 1s\n";
    std::fs::write(dir.join("ok.yaml"), ok).unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    for jobs in [["-j", "0"], ["--jobs", "0"]] {
        let out = run(&["test", dir.to_str().unwrap(), jobs[0], jobs[1]]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(table.contains(&format!(" on {cores} jobs ")), "{table}");
    }
    let out = run(&["check", "-j", "0", "lua/examples/blink/main.lua"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn run_overrides_the_scenarios_seed_and_duration() {
    let path = write_scenario(
        "seeded.yaml",
        "name: seeded\ndevice: esp32\nseed: 7\nduration: 10s\nscripts:\n  main.lua: |\n    log.info('draw', math.random(1, 1e9))\n",
    );
    let path = path.to_str().unwrap();
    let draw = |extra: &[&str]| {
        let out = run(&[&["run", path], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().find(|l| l.contains("draw")).unwrap().to_string()
    };
    assert_eq!(draw(&["--seed", "7"]), draw(&[]), "the scenario's own seed, given again");
    assert_ne!(draw(&["--seed", "8"]), draw(&[]));
    let out = run(&["run", "--json", path, "--duration", "1.5s"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(report["stats"]["simulated_us"], 1_500_000);
    for (flag, value, says) in
        [("--duration", "5", "`5` has no unit"), ("--duration", "-1s", "negative"), ("--seed", "x", "invalid digit")]
    {
        let out = run(&["run", path, &format!("{flag}={value}")]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("invalid value '{value}' for '{flag}")) && stderr.contains(says), "{stderr}");
    }
}

#[test]
fn test_takes_files_and_folders_and_a_filter_over_paths_and_names() {
    let dir = std::env::temp_dir().join(format!("luasim-cli-select-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let scenario =
        |name: &str| format!("name: {name}\ndevice: esp32\nscripts: {{ main.lua: \"print('hi')\" }}\nduration: 1s\n");
    std::fs::write(dir.join("a.yaml"), scenario("alpha")).unwrap();
    std::fs::write(dir.join("b.yaml"), scenario("beta")).unwrap();
    std::fs::write(dir.join("sub/c.yaml"), scenario("gamma")).unwrap();
    let at = |p: &str| dir.join(p).to_str().unwrap().to_string();
    let names = |args: &[&str]| -> Vec<String> {
        let out = run(&[&["test", "--json"], args].concat());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let items: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON results");
        items.as_array().unwrap().iter().map(|i| i["scenario"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(&[&at("a.yaml"), &at("sub")]), ["alpha", "gamma"]);
    assert_eq!(names(&[&at(""), &at("a.yaml"), &at("./sub/c.yaml")]), ["alpha", "beta", "gamma"], "each once");
    assert_eq!(names(&[&at(""), "--filter", "^bet"]), ["beta"], "by name");
    assert_eq!(names(&[&at(""), "--filter", r"sub/c\.yaml$"]), ["gamma"], "by path");
    let out = run(&["test", &at(""), "--filter", "zeta"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches --filter zeta"));
    let out = run(&["test", &at("missing.yaml")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// Runs luasim with `env` set, as `run` does.
fn run_with(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(luasim_binary());
    command.args(args).current_dir(repo_root()).env_remove("NO_COLOR");
    command.envs(env.iter().copied()).output().expect("luasim runs")
}

fn coloured(text: &[u8]) -> bool {
    String::from_utf8_lossy(text).contains("\x1b[")
}

#[test]
fn color_flag_governs_help_errors_the_check_report_and_logs() {
    let script = "lua/examples/blink/main.lua";
    let stdout = |env: &[(&str, &str)], args: &[&str]| coloured(&run_with(env, args).stdout);
    let stderr = |env: &[(&str, &str)], args: &[&str]| coloured(&run_with(env, args).stderr);
    assert!(!stdout(&[], &["--help"]), "auto: a pipe is not a terminal");
    assert!(stdout(&[], &["--color", "always", "--help"]));
    assert!(stdout(&[("NO_COLOR", "1")], &["--color=always", "--help"]), "the flag overrides NO_COLOR");
    assert!(stderr(&[], &["--color", "always", "no-such-command"]));
    assert!(!stderr(&[], &["--color", "never", "no-such-command"]));
    assert!(!stdout(&[], &["check", script]));
    assert!(stdout(&[], &["check", script, "--color", "always"]), "global: after the subcommand too");
    assert!(!stdout(&[], &["--color", "never", "check", script]));
    let logs = [("RUST_LOG", "luasim_core=debug")];
    let out = run_with(&logs, &["run", "-q", "scenarios/blink.yaml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("run ended"), "the log is on");
    assert!(!coloured(&out.stderr), "logs into a pipe are plain");
    assert!(stderr(&logs, &["--color", "always", "run", "-q", "scenarios/blink.yaml"]));
}

#[test]
fn color_auto_colours_a_terminal_unless_no_color() {
    // `script` (util-linux, in every Debian) runs the command on a pseudo-terminal.
    let on_a_terminal = |env: &[(&str, &str)], args: &str| {
        let command = format!("'{}' {args}", luasim_binary().display());
        let out = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(repo_root())
            .env_remove("NO_COLOR")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("script runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
        coloured(&out.stdout)
    };
    let check = "check lua/examples/blink/main.lua";
    assert!(on_a_terminal(&[], check));
    assert!(!on_a_terminal(&[("NO_COLOR", "1")], check));
    assert!(on_a_terminal(&[("NO_COLOR", "")], check), "an empty NO_COLOR does not count (no-color.org)");
    assert!(!on_a_terminal(&[], &format!("--color never {check}")));
}

#[test]
fn completions_offer_the_real_subcommands_and_flags() {
    let script = write_scenario("luasim.bash", "");
    let out = run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&script, &out.stdout).unwrap();
    // What bash offers at `luasim <TAB>` and `luasim test --f<TAB>`, through the script itself.
    let complete = |words: &str, current: usize| {
        let line = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={current}; _luasim luasim \"${{COMP_WORDS[{current}]}}\" \
             \"${{COMP_WORDS[{}]}}\"; echo \"${{COMPREPLY[@]}}\"",
            script.display(),
            current - 1
        );
        let out = Command::new("bash").args(["--norc", "-c", &line]).output().expect("bash runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect::<Vec<_>>()
    };
    let top = complete("luasim ''", 1);
    for word in ["run", "test", "check", "completions", "--color", "--version"] {
        assert!(top.contains(&word.to_string()), "{word} in {top:?}");
    }
    assert!(!top.contains(&"suite-child".to_string()), "the hidden subcommand is not offered: {top:?}");
    assert_eq!(complete("luasim test --f", 2), ["--filter"]);
    assert_eq!(complete("luasim run --se", 2), ["--seed"]);
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("completions") && text.contains("filter") && !text.contains("suite-child"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn version_names_the_commit_and_the_lua_linked() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let git = Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(repo_root()).output();
    let commit = match git {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => "unknown".to_string(),
    };
    let lua = if cfg!(feature = "lua53") {
        "Lua 5.3"
    } else if cfg!(feature = "lua55") {
        "Lua 5.5"
    } else {
        "Lua 5.4"
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let (version, rest) = text.strip_prefix("luasim ").and_then(|t| t.split_once(' ')).expect("luasim VERSION ...");
    assert!(version.split('.').all(|n| n.parse::<u32>().is_ok()), "{text}");
    assert_eq!(rest, format!("(commit {commit}, {lua})\n"));
}

/// The paths of the rows of a `luasim test --json` report.
fn report_paths(json: &[u8]) -> Vec<String> {
    let rows: serde_json::Value = serde_json::from_slice(json).expect("JSON");
    rows.as_array().unwrap().iter().map(|r| r["path"].as_str().unwrap().to_string()).collect()
}

#[test]
fn partitions_of_a_suite_run_every_scenario_exactly_once_and_merge_into_one_report() {
    let mut reports = Vec::new();
    let mut shard = |k: &str| -> Vec<String> {
        let out = run(&["test", "scenarios/crosscheck", "--partition", k, "--json", "-j", "2"]);
        assert_eq!(out.status.code(), Some(0), "{k}: {}", String::from_utf8_lossy(&out.stderr));
        let path = write_scenario(&format!("shard-{}.json", reports.len() + 1), &String::from_utf8_lossy(&out.stdout));
        reports.push(path);
        report_paths(&out.stdout)
    };
    let (first, second) = (shard("1/2"), shard("2/2"));
    assert!(!first.is_empty() && !second.is_empty());
    let mut all: Vec<String> = first.iter().chain(&second).cloned().collect();
    all.sort();
    let whole = all.len();
    all.dedup();
    assert_eq!(all.len(), whole, "no scenario in both shards");
    let listed = std::fs::read_dir(repo_root().join("scenarios/crosscheck"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "yaml"))
        .count();
    assert_eq!(whole, listed, "together the shards run every scenario");
    assert_eq!(
        run(&["test", "scenarios", "--partition", "3/2"]).status.code(),
        Some(2),
        "a bad shard is a usage error"
    );

    // --merge: one report of every scenario, as JSON and JUnit.
    let (one, two) = (reports[0].to_str().unwrap(), reports[1].to_str().unwrap());
    let junit = write_scenario("merged.xml", "");
    let out = run(&["test", "--merge", two, one, "--json", "--junit", junit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut merged = report_paths(&out.stdout);
    assert_eq!(merged.len(), listed);
    merged.dedup();
    assert_eq!(merged, all, "every scenario once, sorted");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(&format!("<testsuite name=\"scenarios/crosscheck\" tests=\"{listed}\" failures=\"0\"")),
        "{xml}"
    );

    // What would be a wrong report is refused, saying why.
    let refused = |files: &[&str], why: &str| {
        let mut args = vec!["test", "--merge"];
        args.extend(files);
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{files:?}: {err}");
        assert!(err.contains(why), "{files:?}: {err}");
    };
    let missing = format!(
        "the shards hold {} of the {listed} scenarios of `scenarios/crosscheck`: shard 2/2 missing",
        first.len()
    );
    refused(&[one], &missing);
    refused(&[one, one], "the shards overlap");
    let edited = |name: &str, edit: &dyn Fn(&mut Vec<serde_json::Value>)| -> PathBuf {
        let mut rows: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&reports[1]).unwrap()).unwrap();
        edit(&mut rows);
        write_scenario(name, &serde_json::to_string(&rows).unwrap())
    };
    let other_split =
        edited("other.json", &|rows| rows.iter_mut().for_each(|r| r["shard"]["partition"] = "2/3".into()));
    refused(&[one, other_split.to_str().unwrap()], "inconsistent shards:");
    let moved = edited("moved.json", &|rows| rows[0]["path"] = "scenarios/crosscheck/aaa.yaml".into());
    refused(&[one, moved.to_str().unwrap()], "inconsistent shards: scenarios/crosscheck/aaa.yaml ran in shard 2/2");
    let plain = run(&["test", "scenarios/blink.yaml", "--json"]);
    let plain = write_scenario("plain.json", &String::from_utf8_lossy(&plain.stdout));
    refused(&[plain.to_str().unwrap()], "was run without --partition: only the reports of shards merge");
}
