//! `luasim api --luals DIR` and `--selene DIR` as a user runs them: the files land where the help
//! says; the LuaCATS files are Lua that defines exactly the build's surface (every function and
//! table of `device.yaml` the build has, its constants typed, nothing the sandbox removes, no
//! optional module the build lacks); an existing `.luarc.json` of the user's is never changed.
//!
//! With a real checker (EmmyLua's `emmylua_check`, on PATH or at `$LUASIM_EMMYLUA`) the
//! definitions must also make the bundled examples check clean and catch a misspelled binding.
//! It takes minutes to build, so CI does not install it; `ci/luals-check.sh` does, and sets
//! `LUASIM_REQUIRE_EMMYLUA=1` so that a missing checker fails there instead of skipping.

use luasim_check::api::{DeviceApi, Entry, Kind};
use luasim_tests::{luasim_binary, repo_root};
use mlua::{Lua, Table, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luasim-editor-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn api(dir: &Path, args: &[&str]) -> Output {
    Command::new(luasim_binary()).arg("api").args(args).current_dir(dir).output().unwrap()
}

fn ok(out: &Output) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The dotted paths of the device API on a build with `modules`: functions and tables, and
/// constants apart (the definitions declare those with a type and no value).
fn surface(modules: &[&str]) -> (BTreeSet<String>, BTreeMap<String, String>) {
    fn walk(path: String, entry: &Entry, code: &mut BTreeSet<String>, constants: &mut BTreeMap<String, String>) {
        match &entry.kind {
            Kind::Value(ty) => {
                constants.insert(path, ty.to_string());
            }
            Kind::Function(_) | Kind::Table { open: true, .. } => {
                code.insert(path);
            }
            Kind::Table { fields, open: false } => {
                for (name, field) in fields {
                    walk(format!("{path}.{name}"), field, code, constants);
                }
                code.insert(path);
            }
        }
    }
    let (mut code, mut constants) = (BTreeSet::new(), BTreeMap::new());
    for (name, entry) in &DeviceApi::get().globals {
        if entry.needs.as_deref().is_none_or(|m| modules.contains(&m)) {
            walk(name.clone(), entry, &mut code, &mut constants);
        }
    }
    (code, constants)
}

/// The paths Lua files define when run in one empty environment: its globals and their fields.
fn defined(files: &[PathBuf]) -> BTreeSet<String> {
    fn walk(prefix: &str, table: &Table, out: &mut BTreeSet<String>) {
        for pair in table.pairs::<String, Value>() {
            let (name, value) = pair.unwrap();
            let path = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
            if let Value::Table(t) = &value {
                walk(&path, t, out);
            }
            out.insert(path);
        }
    }
    let lua = Lua::new();
    let env = lua.create_table().unwrap();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let chunk = lua.load(&text).set_name(file.display().to_string()).set_environment(env.clone());
        chunk.exec().unwrap_or_else(|e| panic!("{} is not valid Lua: {e}", file.display()));
    }
    let mut out = BTreeSet::new();
    walk("", &env, &mut out);
    out
}

#[test]
fn luals_definitions_define_exactly_the_build_s_surface() {
    for (device, modules) in
        [("esp32", &[][..]), ("esp32c3", &["telegram"][..]), ("esp32s3", &["telegram", "gnss"][..])]
    {
        let dir = temp_dir(device);
        ok(&api(&dir, &["--luals", ".luals", "--device", device]));
        let files = [dir.join(".luals/device.lua"), dir.join(".luals/sys.lua")];
        let (code, constants) = surface(modules);
        assert_eq!(defined(&files), code, "{device}: the definitions' functions and tables");
        let text = std::fs::read_to_string(&files[0]).unwrap();
        for (path, ty) in &constants {
            assert!(text.contains(&format!("---@type {ty}\n{path} = nil\n")), "{device}: {path} is declared a {ty}");
        }
        let luarc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(".luarc.json")).unwrap()).unwrap();
        assert_eq!(luarc["workspace"]["library"], serde_json::json!([".luals"]), "the library is the folder beside it");
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn a_user_s_luarc_is_never_changed_and_bad_arguments_are_errors() {
    let dir = temp_dir("luarc");
    std::fs::write(dir.join(".luarc.json"), "{ \"mine\": true }\n").unwrap();
    let out = api(&dir, &["--luals", "defs"]);
    ok(&out);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("kept your .luarc.json") && said.contains("\"library\""), "{said}");
    assert_eq!(std::fs::read_to_string(dir.join(".luarc.json")).unwrap(), "{ \"mine\": true }\n");
    assert!(dir.join("defs/device.lua").is_file(), "the definitions are written all the same");
    std::fs::remove_file(dir.join(".luarc.json")).unwrap();
    ok(&api(&dir, &["--luals", "defs"]));
    let again = api(&dir, &["--luals", "defs"]);
    ok(&again);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("kept your"), "its own .luarc.json has the settings");
    for bad in
        [&["--luals", "defs", "--device", "esp33"][..], &["--luals", "defs", "--modules", "telgram"], &["--luals", "."]]
    {
        let out = api(&dir, bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{out:?}");
    }
    let out = api(&dir, &[]);
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("# Device API"),
        "without a folder it prints the reference"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn selene_library_names_the_build_s_functions_with_their_arguments() {
    let dir = temp_dir("selene");
    ok(&api(&dir, &["--selene", "std", "--device", "esp32c3"]));
    let text = std::fs::read_to_string(dir.join("std/luasim.yml")).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let globals: BTreeSet<String> =
        yaml["globals"].as_mapping().unwrap().keys().map(|k| k.as_str().unwrap().to_string()).collect();
    let (code, constants) = surface(&["telegram"]);
    let settings = DeviceApi::get().settings.keys().cloned();
    // selene names leaves only: a table is implied by its fields.
    let leaves: BTreeSet<String> = code
        .iter()
        .chain(constants.keys())
        .filter(|p| !code.iter().any(|q| q.starts_with(&format!("{p}."))))
        .cloned()
        .chain(settings)
        .collect();
    assert_eq!(globals, leaves);
    assert_eq!(yaml["globals"]["Telegram.send"]["args"].as_sequence().unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

/// The checker to run, or `None` to skip (not allowed under `LUASIM_REQUIRE_EMMYLUA=1`).
fn emmylua() -> Option<PathBuf> {
    let given = std::env::var_os("LUASIM_EMMYLUA").map(PathBuf::from);
    let found = given.or_else(|| {
        Command::new("emmylua_check")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| "emmylua_check".into())
    });
    if found.is_none() {
        assert!(std::env::var_os("LUASIM_REQUIRE_EMMYLUA").is_none(), "emmylua_check is required here and missing");
        eprintln!("skipped: no emmylua_check here (bash ci/luals-check.sh installs it and runs this test)");
    }
    found
}

/// `emmylua_check`'s diagnostics at warning level or above for a project of `scripts` with
/// definitions for `device`: (file, code, message).
fn check(checker: &Path, device: &str, scripts: &[(String, String)]) -> Vec<(String, String, String)> {
    let dir = temp_dir(&format!("emmylua-{device}"));
    ok(&api(&dir, &["--luals", ".luals", "--device", device]));
    for (name, text) in scripts {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let out = Command::new(checker).args(["-f", "json", "--severity", "warn", "."]).current_dir(&dir).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let files: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("emmylua_check's JSON: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut found = Vec::new();
    for file in files {
        let name = file["file"].as_str().unwrap_or("?").rsplit('/').next().unwrap_or("?").to_string();
        for d in file["diagnostics"].as_array().into_iter().flatten() {
            found.push((
                name.clone(),
                d["code"].as_str().unwrap_or("?").into(),
                d["message"].as_str().unwrap_or("?").into(),
            ));
        }
    }
    found
}

/// Examples EmmyLua flags for reasons of its own: an optional module's guard is always true on
/// a build that has the module (`unnecessary-if`); `(RTC.get(k) or 0) + 1` is inferred as the
/// constant 1; `durations[state]` may be nil to it although every state has a duration.
const CHECKER_OPINIONS: [&str; 4] = ["boiler", "boiler_v2", "smartwatch", "state_machine"];

#[test]
fn a_real_checker_accepts_the_examples_and_catches_a_misspelled_binding() {
    let Some(checker) = emmylua() else { return };
    let examples = repo_root().join("lua/examples");
    let mut names: Vec<String> =
        std::fs::read_dir(&examples).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for name in names.iter().filter(|n| !CHECKER_OPINIONS.contains(&n.as_str())) {
        let scripts: Vec<(String, String)> = std::fs::read_dir(examples.join(name))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "lua"))
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
            .collect();
        assert_eq!(check(&checker, "esp32s3", &scripts), vec![], "lua/examples/{name}");
    }
    let typo = "local sys = require(\"sys\")\nMQTT.pubish(\"t\", \"x\")\nsys.wiat(10)\nTelegram.send(\"c\", \"x\")\n";
    let found = check(&checker, "esp32", &[("main.lua".into(), typo.into())]);
    for (code, name) in [("undefined-field", "pubish"), ("undefined-field", "wiat"), ("undefined-global", "Telegram")] {
        assert!(found.iter().any(|(_, c, m)| c == code && m.contains(name)), "{code} for {name}: {found:?}");
    }
    assert_eq!(found.len(), 3, "nothing else: {found:?}");
}
