//! Projects (`luasim.yaml`): `luasim init` from outside the repository, the project's own
//! firmware modules at run time (declarative and mocked, argument checks in the device's
//! wording, traces, expectations, exports), the mock's sandbox, `luasim check` against the
//! merged surface, and the project file's own errors.

use luasim_tests::{luasim_binary, repo_root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh folder of its own for one test, outside the repository.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luasim-project-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tests/project/weather` copied into a scratch folder, with `files` (path, text) written over it.
fn weather_project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    let fixture = repo_root().join("tests/project/weather");
    let copy = Command::new("cp").arg("-R").arg(fixture.join(".")).arg(&dir).status().unwrap();
    assert!(copy.success());
    write(&dir, files);
    dir
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn luasim(dir: &Path, args: &[&str]) -> Output {
    Command::new(luasim_binary()).args(args).current_dir(dir).output().expect("luasim runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The trace lines of a `luasim run`, without the summary (which has the wall time).
fn trace(out: &Output) -> String {
    stdout(out).split("\n\n").next().unwrap_or_default().to_string()
}

#[test]
fn init_makes_a_project_that_tests_and_checks_from_outside_the_repository() {
    let dir = scratch("init");
    let out = luasim(&dir, &["init", "demo", "--luasim-git", "https://example.org/luasim.git"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let demo = dir.join("demo");
    let tested = luasim(&demo, &["test"]);
    assert_eq!(tested.status.code(), Some(0), "{}{}", stdout(&tested), stderr(&tested));
    assert!(stdout(&tested).contains("1 scenarios, 1 passed, 0 failed"), "{}", stdout(&tested));
    let checked = luasim(&demo, &["check", "scripts/rules.lua"]);
    assert_eq!(checked.status.code(), Some(0), "{}{}", stdout(&checked), stderr(&checked));
    assert!(stdout(&checked).contains("ready to push: 0 errors, 0 warnings"), "{}", stdout(&checked));
    // The CI workflow is pinned to the commit luasim was built from, at the URL given.
    let workflow = std::fs::read_to_string(demo.join(".github/workflows/luasim.yml")).unwrap();
    assert!(workflow.contains("LUASIM_GIT: https://example.org/luasim.git"), "{workflow}");
    assert!(!workflow.contains("SET-ME-luasim-commit") && workflow.contains("checks: write"), "{workflow}");
    let scenario = std::fs::read_to_string(demo.join("scenarios/temperature.yaml")).unwrap();
    assert!(scenario.starts_with("# yaml-language-server: $schema=../.luasim/scenario.schema.json"));
    assert!(demo.join(".luasim/scenario.schema.json").is_file() && demo.join(".luals/device.lua").is_file());
    let luals = std::fs::read_to_string(demo.join(".luals/device.lua")).unwrap();
    assert!(luals.contains("function Display.draw(text) end"), "the project's module has editor definitions");
}

#[test]
fn init_overwrites_nothing() {
    let dir = scratch("init-twice");
    write(&dir, &[("scripts/rules.lua", "-- mine\n")]);
    let out = luasim(&dir, &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already has scripts/rules.lua"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.join("scripts/rules.lua")).unwrap(), "-- mine\n");
    assert!(!dir.join("luasim.yaml").exists(), "nothing is written when anything is there");
}

#[test]
fn declared_modules_are_called_traced_and_expected() {
    let dir = weather_project("weather", &[]);
    let out = luasim(&dir, &["run", "scenarios/weather.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = trace(&out);
    assert!(text.contains("module   BME280.read() -> {h = 40, t = 21.5}\n"), "{text}");
    assert!(text.contains("module   Display.draw(\"21.5 C 40%\")\n"), "{text}");
    assert!(text.contains("inject   set BME280.read returns {\"h\":50,\"t\":30.25}"), "{text}");
    assert!(text.contains("module   Display.draw(\"30.2 C 50%\")\n"), "{text}");
    assert!(stdout(&out).contains("expect     pass call BME280.read exactly 3× (seen 3)"), "{}", stdout(&out));
    // Byte-identical from another process.
    assert_eq!(trace(&luasim(&dir, &["run", "scenarios/weather.yaml"])), text);
}

#[test]
fn a_call_expectation_fails_with_the_nearest_call() {
    let scenario = "name: w\nduration: 15s\nreturns:\n  BME280.read: { value: { t: 1, h: 2 } }\nexpect:\n  \
                    - call: Display.draw\n    args: [\"1.0 C 3%\"]\n";
    let dir = weather_project("expect-miss", &[("scenarios/weather.yaml", scenario)]);
    let out = luasim(&dir, &["test"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("expected call Display.draw(\"1.0 C 3%\") at least 1× (seen 0)"), "{text}");
    assert!(text.contains("nearest miss at 10.320000 s: Display.draw(\"1.0 C 2%\")"), "{text}");
}

#[test]
fn calls_are_in_json_traces_and_perfetto_exports() {
    let dir = weather_project("exports", &[]);
    let out = luasim(&dir, &["run", "-q", "scenarios/weather.yaml", "--trace-json", "t.json", "--perfetto", "p.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("t.json")).unwrap()).unwrap();
    let call = events.as_array().unwrap().iter().find(|e| e["kind"] == "module_call").expect("a module_call event");
    assert_eq!(call["function"], "Display.clear");
    let perfetto = std::fs::read_to_string(dir.join("p.json")).unwrap();
    assert!(perfetto.contains("\"name\":\"Display.draw(\\\"21.5 C 40%\\\")\""), "{perfetto}");
}

#[test]
fn a_wrong_argument_fails_at_run_time_in_the_devices_words() {
    let dir = weather_project("bad-arg", &[("scripts/main.lua", "Display.draw(nil)\n")]);
    let out = luasim(&dir, &["run", "scenarios/weather.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let text = trace(&out);
    assert!(
        text.contains("ERROR    script /scripts/main.lua: /scripts/main.lua:1: bad argument #1 to 'draw' (string expected, got nil)"),
        "{text}"
    );
    assert!(!text.contains("module   Display.draw(nil)"), "a refused call is not a call: {text}");
}

#[test]
fn check_lints_against_the_projects_modules() {
    let rules = "local function show()\n  local r = BME280.read()\n  Display.drow(string.format('%.1f', r.t))\n  \
                 Display.draw()\n  Display.draw({})\n  Telegram.broadcast('hot')\nend\nsys.timerLoopStart(show, 10000)\n\
                 sys.run()\n";
    let dir = weather_project("lint", &[("scripts/rules.lua", rules)]);
    let out = luasim(&dir, &["check", "scripts/rules.lua"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("`Display.drow` is not a field of `Display` on the device"), "{text}");
    assert!(text.contains("did you mean `Display.draw`?"), "{text}");
    assert!(text.contains("argument-count"), "Display.draw() lacks its text: {text}");
    assert!(text.contains("argument-type"), "Display.draw({{}}) passes a table: {text}");
    assert!(
        text.contains("`Telegram` is not on esp32: the build has no `telegram` module"),
        "the project's build: {text}"
    );
}

/// A project whose Display has the mock `mock` (the rest as in the weather project).
fn mocked(name: &str, mock: &str, main: &str) -> PathBuf {
    let project =
        "firmware: esp32\nmodules:\n  Display: { surface: modules/display.yaml, mock: modules/display.lua }\n  \
                   BME280: { surface: modules/bme280.yaml }\n";
    let scenario = "name: mock\nduration: 20s\nexpect:\n  - no_errors: true\n";
    weather_project(
        name,
        &[
            ("luasim.yaml", project),
            ("modules/display.lua", mock),
            ("scripts/main.lua", main),
            ("scripts/rules.lua", "sys.run()\n"),
            ("scenarios/weather.yaml", scenario),
        ],
    )
}

#[test]
fn a_mock_that_errors_names_its_own_file_and_line() {
    let mock =
        "local M = {}\nfunction M.draw(text)\n  error('panel not ready')\nend\nfunction M.clear() end\nreturn M\n";
    let dir = mocked("mock-error", mock, "Display.clear()\nDisplay.draw('x')\n");
    let text = trace(&luasim(&dir, &["run", "scenarios/weather.yaml"]));
    assert!(
        text.contains("/scripts/main.lua:2: modules/display.lua:3: panel not ready (in the mock of Display.draw)"),
        "{text}"
    );
    let broken = mocked("mock-syntax", "local M = {\nreturn M\n", "Display.clear()\n");
    let text = trace(&luasim(&broken, &["run", "scenarios/weather.yaml"]));
    assert!(text.contains("ERROR    mock Display: modules/display.lua:2:"), "{text}");
    assert!(text.contains("Display.clear: its mock did not load"), "{text}");
}

#[test]
fn a_mock_keeps_state_across_reloads_not_reboots_and_posts_to_the_queue() {
    let mock = "local drawn = 0\nlocal M = {}\nfunction M.draw(text)\n  drawn = drawn + 1\n  \
                firmware.log(text .. ' #' .. drawn .. ' at ' .. firmware.now_ms() .. ' ms')\n  \
                firmware.publish('DRAWN', drawn)\n  return drawn\nend\nfunction M.clear() end\nreturn M\n";
    let main = "sys.subscribe('DRAWN', function(n) print('drawn', n) end)\nDisplay.draw('boot')\n";
    let dir = mocked("mock-state", mock, main);
    let steps = "name: mock\nduration: 20s\nsteps:\n  - at: 5s\n    reload: true\n  - at: 10s\n    \
                 watchdog_reset: true\n";
    write(&dir, &[("scenarios/weather.yaml", steps)]);
    let out = luasim(&dir, &["run", "scenarios/weather.yaml"]);
    let text = trace(&out);
    let drawn: Vec<&str> = text.lines().filter(|l| l.contains("I/Display boot #")).collect();
    assert_eq!(drawn.len(), 3, "{text}");
    assert!(drawn[0].ends_with("boot #1 at 320 ms") && drawn[1].contains("boot #2"), "kept across the reload: {text}");
    assert!(drawn[2].contains("boot #1"), "lost with the reboot: {text}");
    assert!(text.contains("module   Display.draw(\"boot\") -> 2"), "{text}");
    assert!(text.contains("log      drawn\\t2"), "the mock's message reached sys.subscribe: {text}");
}

#[test]
fn a_mock_cannot_reach_the_host() {
    let mock = r#"
local M = {}
function M.draw(what)
  local tries = {
    io = function() return io.open("/etc/passwd") end,
    os = function() return os.execute("true") end,
    require = function() return require("socket") end,
    load = function() return load("return 1") end,
    dofile = function() return dofile("/etc/passwd") end,
    loadfile = function() return loadfile("/etc/passwd") end,
    dump = function() return string.dump(M.draw) end,
    package = function() return package.loadlib("libc.so.6", "system") end,
    debug = function() return debug.getregistry() end,
    memory = function()
      local t = {}
      for i = 1, 1e7 do t[i] = string.rep("x", 1000) .. i end
    end,
  }
  local ok, err = pcall(tries[what])
  firmware.log(what .. ": " .. tostring(ok) .. " " .. tostring(err))
end
function M.clear()
  while true do end
end
return M
"#;
    let names = ["io", "os", "require", "load", "dofile", "loadfile", "dump", "package", "debug"];
    let main: String = names.iter().chain(&["memory"]).map(|n| format!("Display.draw('{n}')\n")).collect::<String>()
        + "Display.clear()\n";
    let dir = mocked("mock-sandbox", mock, &main);
    let out = luasim(&dir, &["run", "scenarios/weather.yaml"]);
    let text = trace(&out);
    for name in names {
        let line =
            text.lines().find(|l| l.contains(&format!("I/Display {name}: "))).unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains(": false ") && line.contains("a nil value"), "{name} escaped: {line}");
    }
    assert!(text.contains("I/Display memory: false not enough memory"), "the mock's heap is bounded: {text}");
    assert!(text.contains("the mock ran more than 10000000 instructions without returning"), "no hang: {text}");
}

#[test]
fn project_file_mistakes_are_errors_with_file_line_and_a_suggestion() {
    let dir = weather_project("bad-project", &[("luasim.yaml", "firmware: esp32\nmodles: {}\n")]);
    let out = luasim(&dir, &["run", "scenarios/weather.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("luasim.yaml:2:1: unknown field `modles`"), "{err}");
    assert!(err.contains("did you mean `modules`?"), "{err}");

    let surface = "fields:\n  draw: { fn: \"(text: strng)\" }\n";
    let dir = weather_project("bad-surface", &[("modules/display.yaml", surface)]);
    let err = stderr(&luasim(&dir, &["test"]));
    assert!(err.contains("modules/display.yaml:2:") && err.contains("unknown type `strng`"), "{err}");

    let scenario = "name: w\nduration: 1s\nreturns:\n  BME280.reed: { value: 1 }\n";
    let dir = weather_project("bad-returns", &[("scenarios/weather.yaml", scenario)]);
    let err = stderr(&luasim(&dir, &["run", "scenarios/weather.yaml"]));
    assert!(
        err.contains("returns: `BME280.reed` is not a function") && err.contains("did you mean `BME280.read`?"),
        "{err}"
    );

    let taken = "firmware: esp32\nmodules:\n  MQTT: { surface: modules/display.yaml }\n";
    let dir = weather_project("taken-name", &[("luasim.yaml", taken)]);
    let err = stderr(&luasim(&dir, &["test"]));
    assert!(err.contains("luasim already has a global `MQTT`"), "{err}");
}

#[test]
fn an_explicit_project_file_is_used_from_anywhere_and_scenarios_need_their_own_defaults_outside_one() {
    let dir = weather_project("explicit", &[]);
    let elsewhere = scratch("explicit-elsewhere");
    let project = dir.join("luasim.yaml");
    let scenario = dir.join("scenarios/weather.yaml");
    let args = ["--project", project.to_str().unwrap(), "run", "-q", scenario.to_str().unwrap()];
    assert_eq!(luasim(&elsewhere, &args).status.code(), Some(0));
    let out = luasim(&elsewhere, &["run", "-q", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("outside a project it has no default"), "{}", stderr(&out));
}

#[test]
fn project_scenarios_are_not_packed_for_the_firmware() {
    let dir = weather_project("pack", &[]);
    let out = luasim(&dir, &["pack", "scenarios/weather.yaml", "-o", "blob.bin"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot be packed for the firmware"), "{}", stderr(&out));
}

#[test]
fn the_project_schema_describes_the_project_file() {
    let out = luasim(&scratch("schema"), &["schema", "project"]);
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "luasim project");
    let properties = schema["properties"].as_object().unwrap();
    let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(keys, ["check", "firmware", "modules", "scenarios", "scripts"]);
    assert_eq!(schema["additionalProperties"], false);
}

/// A mock's state is on its own arena like a device state: `pairs()` over table keys inside a
/// mock comes in the same order in every process.
#[test]
#[cfg_attr(feature = "lua53", ignore = "Lua 5.3 mixes addresses into its hash seed (README, Determinism)")]
fn a_mock_sees_one_pairs_order_over_table_keys_in_every_process() {
    let mock =
        "local M = {}\nfunction M.draw(text)\n  local set = {}\n  for i = 1, 40 do set[{ id = i }] = true end\n  \
                local order = {}\n  for k in pairs(set) do order[#order + 1] = k.id end\n  \
                firmware.log(table.concat(order, ','))\nend\nfunction M.clear() end\nreturn M\n";
    let dir = mocked("mock-order", mock, "Display.draw('x')\n");
    let order = || {
        let text = trace(&luasim(&dir, &["run", "scenarios/weather.yaml"]));
        text.lines().find(|l| l.contains("I/Display ")).map(str::to_string).unwrap_or_else(|| panic!("{text}"))
    };
    let first = order();
    for _ in 0..3 {
        assert_eq!(order(), first, "another process saw another order");
    }
}
