//! Builds a fresh device Lua state: the standard libraries the firmware opens, minus everything
//! that reaches the host, the clock functions on virtual time, the bindings, the prelude and
//! `sys.lua`. Called at every boot.

use super::host::{with_world, Host};
use super::loader;
use crate::bindings;
use crate::trace::EventKind;
use crate::vfs;
use mlua::{Function, Lua, LuaOptions, MultiValue, Result, StdLib, Table, Value};
use std::rc::Rc;

/// `sys.lua` exactly as the firmware embeds it.
pub const SYS_LUA: &str = include_str!("../../../lua/sys.lua");
/// The device's loader glue, shared with the firmware.
pub const PRELUDE_LUA: &str = include_str!("../../../lua/prelude.lua");

/// Registry slot of the prelude's `run_script(path)`.
pub const RUN_SCRIPT: &str = "luasim.run_script";
/// Registry slot of the prelude's `call_protected(fn, ...)`.
pub const CALL_PROTECTED: &str = "luasim.call_protected";

/// Names scripts must not reach: host files, processes, environment, binary chunks, VM
/// internals. `debug` comes back holding only `traceback`.
pub const REMOVED: &[&str] = &[
    "io",
    "debug",
    "dofile",
    "loadfile",
    "os.execute",
    "os.exit",
    "os.getenv",
    "os.remove",
    "os.rename",
    "os.setlocale",
    "os.tmpname",
    "string.dump",
    "package.cpath",
    "package.loadlib",
    "package.path",
    "package.searchers",
    "package.searchpath",
];

/// A new state of the host's current generation.
pub fn new_state(host: Rc<Host>, seed: u64) -> Result<Lua> {
    let heap = host.with_world(|w| w.profile.lua_heap_bytes);
    let libs = StdLib::COROUTINE
        | StdLib::TABLE
        | StdLib::STRING
        | StdLib::UTF8
        | StdLib::MATH
        | StdLib::OS
        | StdLib::PACKAGE
        | StdLib::DEBUG;
    // SAFETY: `debug` is needed for `debug.traceback` only; the sandbox removes the rest of it
    // below, before any script runs.
    let lua = unsafe { Lua::unsafe_new_with(libs, LuaOptions::new()) };
    lua.set_app_data(host);
    lua.set_memory_limit(heap)?;
    super::watchdog::install(&lua)?;
    loader::keep_original_load(&lua)?;

    let globals = lua.globals();
    let debug: Table = globals.get("debug")?;
    let traceback: Function = debug.get("traceback")?;
    let raw_load: Function = globals.get("load")?;
    let os: Table = globals.get("os")?;
    let raw_date: Function = os.get("date")?;
    remove_all(&globals)?;
    let safe_debug = lua.create_table()?;
    safe_debug.set("traceback", traceback.clone())?;
    globals.set("debug", safe_debug)?;
    install_virtual_clock(&lua, &os)?;
    let math: Table = globals.get("math")?;
    math.get::<Function>("randomseed")?.call::<()>(seed as i64)?;

    bindings::install_all(&lua)?;

    let native_load = lua.create_function(native_load)?;
    let prelude = compile_builtin(&lua, PRELUDE_LUA, "@prelude.lua")?;
    let (run_script, call_protected): (Function, Function) =
        prelude.call((native_load, traceback, raw_load, raw_date))?;
    lua.set_named_registry_value(RUN_SCRIPT, run_script)?;
    lua.set_named_registry_value(CALL_PROTECTED, call_protected)?;

    let sys: Value = compile_builtin(&lua, SYS_LUA, "@sys.lua")?.call(())?;
    let package: Table = globals.get("package")?;
    package.get::<Table>("loaded")?.set("sys", sys.clone())?;
    globals.set("sys", sys)?;
    Ok(lua)
}

fn compile_builtin(lua: &Lua, source: &str, name: &str) -> Result<Function> {
    loader::compile(lua, source.as_bytes(), name, None)?.map_err(mlua::Error::runtime)
}

fn remove_all(globals: &Table) -> Result<()> {
    for path in REMOVED {
        match path.split_once('.') {
            None => globals.set(*path, Value::Nil)?,
            Some((lib, field)) => globals.get::<Table>(lib)?.set(field, Value::Nil)?,
        }
    }
    Ok(())
}

/// `os.time()` and `os.clock()` read the virtual clock. The device has no wall-clock source
/// unless a script sets one, so `os.time()` counts seconds since power-on (epoch 0), in UTC;
/// `os.time{...}` converts a UTC date without the host's time zone.
fn install_virtual_clock(lua: &Lua, os: &Table) -> Result<()> {
    os.set(
        "time",
        lua.create_function(|lua, date: Option<Table>| match date {
            None => Ok(with_world(lua, |w| w.clock.now() / 1_000_000) as i64),
            Some(t) => utc_seconds(&t),
        })?,
    )?;
    os.set(
        "clock",
        lua.create_function(|lua, ()| {
            Ok(with_world(lua, |w| w.clock.ticks_since_boot() as f64 / w.clock.tick_hz() as f64))
        })?,
    )
}

fn utc_seconds(t: &Table) -> Result<i64> {
    let field = |name: &str, default: Option<i64>| -> Result<i64> {
        match (t.get::<Option<i64>>(name)?, default) {
            (Some(v), _) => Ok(v),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(mlua::Error::runtime(format!("field '{name}' missing in date table"))),
        }
    };
    let (y, m, d) = (field("year", None)?, field("month", None)?, field("day", None)?);
    let (h, min, s) = (field("hour", Some(12))?, field("min", Some(0))?, field("sec", Some(0))?);
    Ok(days_from_civil(y, m, d) * 86_400 + h * 3_600 + min * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date; months outside 1..12 carry into years.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let (year, month) = (year + (month - 1).div_euclid(12), (month - 1).rem_euclid(12) + 1);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `native_load(path [, env])`: compiles a file of the device's flash. Returns the chunk, or
/// `nil, message, missing` where `missing` is true when there is no such file.
fn native_load(lua: &Lua, (path, env): (String, Option<Table>)) -> Result<MultiValue> {
    let device_path = vfs::normalize(&path);
    let source = with_world(lua, |w| w.flash.read(&device_path).map(<[u8]>::to_vec));
    let Some(source) = source else {
        let message = format!("cannot open {path} (no such file on the device)");
        return Ok(MultiValue::from_vec(vec![
            Value::Nil,
            Value::String(lua.create_string(message)?),
            Value::Boolean(true),
        ]));
    };
    let bytes = source.len();
    with_world(lua, |w| w.record(EventKind::Script { path: device_path.clone(), bytes }));
    match loader::compile(lua, &source, &format!("@{device_path}"), env)? {
        Ok(chunk) => Ok(MultiValue::from_vec(vec![Value::Function(chunk)])),
        Err(message) => Ok(MultiValue::from_vec(vec![
            Value::Nil,
            Value::String(lua.create_string(message)?),
            Value::Boolean(false),
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::days_from_civil;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 13, 1), days_from_civil(2025, 1, 1));
    }
}
