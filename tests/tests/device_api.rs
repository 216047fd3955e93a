//! The device API description (`sim/check/api/device.yaml`) against a real device state, so the data
//! the lint and the docs use cannot drift from the runtime: every listed global and field exists
//! with its kind, every global and module field the state has is listed, optional modules exist
//! only on builds with them, what the sandbox removes is gone, and every binding function raises
//! the device's `bad argument` error for a missing or mistyped required argument exactly where
//! its signature says. The standard library is compared in full on Lua 5.4, the device's Lua.

use luasim_check::api::{DeviceApi, Entry};
use luasim_check::signature::{Base, Param};
use luasim_tests::{log_lines, run_yaml};
use std::collections::BTreeSet;

/// Prints `name kind` for every global and every field of every global table.
const DUMP: &str = r#"
local kinds = {}
for name, value in pairs(_G) do
  kinds[#kinds + 1] = name .. " " .. type(value)
  if type(value) == "table" and name ~= "_G" then
    for field, v in pairs(value) do
      kinds[#kinds + 1] = name .. "." .. tostring(field) .. " " .. type(v)
    end
  end
end
table.sort(kinds)
for _, line in ipairs(kinds) do print("have " .. line) end
"#;

/// Runs `main_lua` on an esp32s3 with the given optional modules; returns its printed lines.
fn run_device(modules: &str, main_lua: &str) -> Vec<String> {
    let body: String = main_lua.lines().map(|l| format!("    {l}\n")).collect();
    let yaml = format!("name: api\ndevice: esp32s3\nmodules: {modules}\nduration: 1s\nscripts:\n  main.lua: |\n{body}");
    let report = run_yaml(&yaml);
    assert!(report.passed(), "{:#?}", report.outcomes);
    log_lines(&report)
}

/// What the state has: `name` or `table.field` → Lua type.
fn have(lines: &[String]) -> BTreeSet<(String, String)> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("have "))
        .map(|l| {
            let (name, kind) = l.rsplit_once(' ').expect("name kind");
            (name.to_string(), kind.to_string())
        })
        .collect()
}

/// What device.yaml lists for a build with `modules`: `name` or `table.field` → Lua type.
fn listed(api: &DeviceApi, modules: &[&str]) -> BTreeSet<(String, String)> {
    let on_build = |e: &Entry| e.needs.as_deref().is_none_or(|m| modules.contains(&m));
    let mut expected = BTreeSet::new();
    for (name, entry) in api.globals.iter().filter(|(_, e)| on_build(e)) {
        expected.insert((name.clone(), entry.lua_type().to_string()));
        if let Some(fields) = entry.fields() {
            for (field, e) in fields.iter().filter(|(_, e)| on_build(e)) {
                expected.insert((format!("{name}.{field}"), e.lua_type().to_string()));
            }
        }
    }
    expected
}

/// Whether the whole standard library is compared (the device runs Lua 5.4).
const FULL: bool = cfg!(feature = "lua54");

fn binding_names() -> BTreeSet<&'static str> {
    // The simulator-only LuatOS modules extend `string`, `log`, `rtos` or need their module.
    luasim_core::bindings::ALL.iter().filter(|b| !b.simulator_only).map(|b| b.name).chain(["print", "sys"]).collect()
}

#[test]
fn every_listed_global_and_field_exists_and_every_one_the_state_has_is_listed() {
    let api = DeviceApi::get();
    let have = have(&run_device("[telegram, gnss]", DUMP));
    let ours = binding_names();
    let expected = listed(api, &["telegram", "gnss"]);
    // Only the device's own modules are compared on Lua 5.3 and 5.5, whose standard libraries
    // differ a little from the device's 5.4.
    let in_scope = |name: &str| FULL || ours.contains(name.split('.').next().unwrap_or(name));
    let missing: Vec<_> = expected.iter().filter(|(n, _)| in_scope(n)).filter(|e| !have.contains(e)).collect();
    assert!(missing.is_empty(), "listed in device.yaml but not in a device state (or of another kind): {missing:#?}");
    let unlisted: Vec<_> = have.iter().filter(|(n, _)| in_scope(n)).filter(|e| !expected.contains(e)).collect();
    assert!(unlisted.is_empty(), "in a device state but not listed in sim/check/api/device.yaml: {unlisted:#?}");
}

#[test]
fn optional_modules_exist_only_on_builds_with_them() {
    let api = DeviceApi::get();
    let have = have(&run_device("[]", DUMP));
    let ours = binding_names();
    for (name, entry) in api.globals.iter().filter(|(name, _)| FULL || ours.contains(name.as_str())) {
        let present = have.iter().any(|(n, _)| n == name);
        assert_eq!(
            present,
            entry.needs.is_none(),
            "`{name}` (needs {:?}) on a build without optional modules",
            entry.needs
        );
    }
    for (name, entry) in api.globals.iter().filter(|(name, _)| FULL || ours.contains(name.as_str())) {
        for (field, e) in entry.fields().into_iter().flatten().filter(|(_, e)| e.needs.is_some()) {
            let present = have.iter().any(|(n, _)| *n == format!("{name}.{field}"));
            assert!(!present, "`{name}.{field}` (needs {:?}) on a build without optional modules", e.needs);
        }
    }
    for binding in luasim_core::bindings::ALL {
        let entry =
            api.globals.get(binding.name).unwrap_or_else(|| panic!("binding `{}` is not in device.yaml", binding.name));
        // A binding of a module may also extend a global every build has (LuatOS's `string`
        // functions): then its fields need the module.
        let extends = entry.needs.is_none()
            && entry
                .fields()
                .into_iter()
                .flatten()
                .any(|(_, e)| e.needs.is_some() && e.needs.as_deref() == binding.module);
        assert!(
            extends || entry.needs.as_deref() == binding.module,
            "`{}`: device.yaml and bindings::ALL disagree on the module",
            binding.name
        );
    }
}

#[test]
fn what_the_sandbox_removes_is_gone_and_described() {
    let api = DeviceApi::get();
    let have = have(&run_device("[telegram, gnss]", DUMP));
    for path in api.removed.keys().chain(api.settings.keys()) {
        assert!(
            !have.iter().any(|(n, _)| n == path),
            "`{path}` is listed as removed or script-set but the state has it"
        );
    }
    for path in luasim_core::runtime::REMOVED {
        let segments: Vec<&str> = path.split('.').collect();
        let described =
            api.removed.contains_key(*path) || matches!(api.lookup(&segments), luasim_check::api::Lookup::Found(_));
        assert!(
            described,
            "the sandbox removes `{path}`: list it under `removed` (or the device's replacement under `globals`)"
        );
    }
}

/// A Lua expression of `param`'s type.
fn sample(param: &Param) -> &'static str {
    match param.ty.bases().first() {
        Some(Base::Number | Base::Integer) => "1",
        Some(Base::Boolean) => "true",
        Some(Base::Function) => "function() end",
        Some(Base::Table) => "{}",
        Some(Base::Thread) => "coroutine.create(function() end)",
        Some(Base::Nil) => "nil",
        _ => "'x'",
    }
}

/// A Lua expression `param` does not accept, with its type name, if there is one.
fn wrong(param: &Param) -> Option<(&'static str, &'static str)> {
    let bases = param.ty.bases();
    if param.ty.is_any() {
        return None;
    }
    [("{}", "table", Base::Table), ("true", "boolean", Base::Boolean), ("function() end", "function", Base::Function)]
        .into_iter()
        .find(|(_, _, b)| !bases.contains(b))
        .map(|(expr, name, _)| (expr, name))
}

/// What the device's C code says it expected for `param` (`luaL_checkstring` and friends), for
/// single types; unions have messages of their own.
fn expected_word(param: &Param) -> Option<&'static str> {
    match param.ty.bases() {
        [Base::String] => Some("string"),
        [Base::Number | Base::Integer] => Some("number"),
        [Base::Function] => Some("function"),
        [Base::Table] => Some("table"),
        [Base::Any] => Some("value"),
        _ => None,
    }
}

#[test]
fn binding_functions_check_their_arguments_as_their_signatures_say() {
    let api = DeviceApi::get();
    let mut probes = String::from("local function probe(key, f, ...)\n  local ok, err = pcall(f, ...)\n  print('probe ' .. key .. ' ' .. tostring(ok) .. ' ' .. tostring(err))\nend\n");
    let mut expect = Vec::new();
    for name in binding_names() {
        if name == "sys" {
            continue; // Lua functions: arguments are not checked by type
        }
        let Some(fields) = api.globals.get(name).and_then(Entry::fields) else { continue };
        for (field, entry) in fields.iter().filter(|(_, e)| e.needs.is_none()) {
            let Some(sig) = entry.signature() else { continue };
            for (i, param) in sig.params.iter().enumerate().take(sig.required()) {
                let before: Vec<&str> = sig.params[..i].iter().map(sample).collect();
                let prefix = format!("bad argument #{} to '{field}'", i + 1);
                let expected = expected_word(param);
                let got = |what: &str| {
                    expected.map_or(prefix.clone(), |e| match e {
                        "value" => format!("{prefix} (value expected)"),
                        e => format!("{prefix} ({e} expected, got {what})"),
                    })
                };
                let mut cases = vec![("missing", before.join(", "), got("no value"))];
                if let Some((bad, bad_type)) = wrong(param) {
                    let args = before.iter().copied().chain([bad]).collect::<Vec<_>>().join(", ");
                    cases.push(("mistyped", args, got(bad_type)));
                }
                for (case, args, wanted) in cases {
                    let key = format!("{name}.{field}#{}:{case}", i + 1);
                    // called by name, so that luaL_argerror names the field as at a call site
                    probes.push_str(&format!("probe('{key}', function() return {name}.{field}({args}) end)\n"));
                    expect.push((key, wanted));
                }
            }
        }
    }
    assert!(expect.len() > 20, "the probes cover the bindings ({} probes)", expect.len());
    let lines = run_device("[telegram, gnss]", &probes);
    for (key, wanted) in expect {
        let line =
            lines.iter().find(|l| l.starts_with(&format!("probe {key} "))).unwrap_or_else(|| panic!("no probe {key}"));
        assert!(line.contains(" false ") && line.contains(&wanted), "{key}: expected `{wanted}`, got `{line}`");
    }
}

#[test]
fn the_reference_docs_are_generated_from_the_description() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/device-api.md");
    let generated = DeviceApi::get().markdown();
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/device-api.md is out of date: run `cargo run -- check --api > docs/device-api.md`"
    );
}
