//! The mocks of the project's own firmware modules: one Lua state per module with a mock, on the
//! firmware's side of the device (as the module's C would be), not in the scripts' sandbox.
//!
//! Built at every boot and kept across reloads, so a mock's state lives as long as main RAM
//! does. A mock state has the pure libraries only (`string`, `table`, `math`, `utf8`,
//! `coroutine`): no `io`, `os`, `package`/`require`, `load`, `dofile`, `loadfile` or
//! `string.dump`, so it reaches no host file, process or socket. What it has of the device is
//! the `firmware` table: `publish(topic, ...)` posts a `sys` message through the rtos queue,
//! `event(name, data)` raises a firmware event, `now_ms()`/`now_us()` read the virtual clock,
//! `log(text [, level])` writes a log line tagged with the module's name (`print` does too).

use crate::apidoc::{MockSource, UserModule};
use crate::device::mock::{self, with_world, MockError};
use crate::device::Device;
use crate::memory::{self, DeviceState};
use crate::trace::{EventKind, Level};
use crate::world::Arg;
use mlua::{Lua, MultiValue, StdLib, Table, Value, Variadic};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Heap of one mock state (device bytes, booked as a device state's are; the module's C would
/// have its own RAM).
const MOCK_HEAP_BYTES: usize = 16 * 1024 * 1024;

/// Builds this boot's mocks and hands them to the device; a mock that does not load is an
/// error event (`mock Display`) and its module's calls fail with the reason.
pub fn start(device: &Rc<Device>, seed: u64) {
    let modules = device.with_world(|w| w.modules().clone());
    let mut mocks = BTreeMap::new();
    for module in &modules.0 {
        let Some(source) = &module.mock else { continue };
        let loaded = load(device, module, source, seed);
        if let Err(why) = &loaded {
            let what = format!("mock {}", module.name);
            device.with_world(|w| w.record(EventKind::Error { what, message: why.to_string() }));
        }
        mocks.insert(module.name.clone(), loaded);
    }
    device.set_mocks(mocks);
}

/// A mock's state lives on its own arena like a device state (`memory::bare_state`), so
/// `pairs()` over object keys inside a mock is the same in every process too.
fn load(device: &Rc<Device>, module: &UserModule, source: &MockSource, seed: u64) -> Result<DeviceState, MockError> {
    let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::UTF8 | StdLib::COROUTINE;
    let state = memory::bare_state(MOCK_HEAP_BYTES)?;
    let lua: &Lua = &state.lua;
    lua.load_std_libs(libs)?;
    mock::adopt(lua, device, &module.name)?;
    enclose(lua, seed)?;
    let chunk = lua
        .load(source.source.as_str())
        .set_name(format!("@{}", source.chunk_name))
        .set_mode(mlua::chunk::ChunkMode::Text);
    mock::reset_budget(lua);
    let exports = match chunk.call::<Value>(()) {
        Ok(Value::Table(t)) => t,
        Ok(other) => {
            return Err(MockError::NotATable { chunk: source.chunk_name.clone(), type_name: other.type_name() })
        }
        Err(e) => return Err(MockError::Raised(first_message(&e))),
    };
    lua.set_named_registry_value(mock::EXPORTS, exports)?;
    lua.set_named_registry_value(mock::CHUNK, source.chunk_name.as_str())?;
    Ok(state)
}

/// The message of a Lua error without mlua's traceback.
fn first_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(m) | mlua::Error::SyntaxError { message: m, .. } => m.clone(),
        mlua::Error::CallbackError { cause, .. } => first_message(cause),
        other => other.to_string(),
    }
}

/// Takes away what reaches the host or loads code, seeds `math.random`, adds `firmware`.
fn enclose(lua: &Lua, seed: u64) -> mlua::Result<()> {
    let globals = lua.globals();
    for name in ["dofile", "loadfile", "load", "require", "collectgarbage"] {
        globals.raw_set(name, Value::Nil)?;
    }
    globals.get::<Table>("string")?.raw_set("dump", Value::Nil)?;
    globals.get::<Table>("math")?.get::<mlua::Function>("randomseed")?.call::<()>(seed as i64)?;
    let firmware = lua.create_table()?;
    firmware.raw_set("publish", lua.create_function(publish)?)?;
    firmware.raw_set("event", lua.create_function(event)?)?;
    firmware.raw_set("now_ms", lua.create_function(|lua, ()| Ok(now_us(lua) / 1_000))?)?;
    firmware.raw_set("now_us", lua.create_function(|lua, ()| Ok(now_us(lua)))?)?;
    firmware.raw_set("log", lua.create_function(log)?)?;
    globals.raw_set("firmware", firmware)?;
    globals.raw_set(
        "print",
        lua.create_function(|lua, args: Variadic<Value>| {
            let parts: Vec<String> =
                args.iter().map(|v| v.to_string().unwrap_or_else(|_| v.type_name().into())).collect();
            log(lua, (parts.join("\t"), None))
        })?,
    )
}

fn now_us(lua: &Lua) -> i64 {
    with_world(lua, |w, _| w.clock().now() as i64).unwrap_or(0)
}

/// `firmware.publish(topic, ...)`: strings, numbers and booleans, as a scenario's `publish`.
fn publish(lua: &Lua, (topic, rest): (String, MultiValue)) -> mlua::Result<()> {
    let mut args = Vec::new();
    for (i, v) in rest.iter().enumerate() {
        args.push(match v {
            Value::Boolean(b) => Arg::Bool(*b),
            Value::Integer(n) => Arg::Int(*n),
            Value::Number(x) => Arg::Float(*x),
            Value::String(s) => Arg::Str(s.to_string_lossy()),
            other => {
                return Err(mlua::Error::runtime(format!(
                    "bad argument #{} to 'publish' (string, number or boolean expected, got {})",
                    i + 2,
                    other.type_name()
                )))
            }
        });
    }
    with_world(lua, |w, _| w.mock_publish(topic, args));
    Ok(())
}

/// `firmware.event(name, data)`: a firmware event with its data table, as an `event` step.
fn event(lua: &Lua, (name, data): (String, Option<Value>)) -> mlua::Result<()> {
    let data = match &data {
        Some(v) => crate::bindings::convert::lua_to_json(v).map_err(mlua::Error::runtime)?,
        None => serde_json::Value::Object(Default::default()),
    };
    with_world(lua, |w, _| w.firmware_event(&name, &data));
    Ok(())
}

/// `firmware.log(text [, level])`: `I/<Module> text` (levels `debug`, `info`, `warn`, `error`).
fn log(lua: &Lua, (text, level): (String, Option<String>)) -> mlua::Result<()> {
    let level = match level.as_deref() {
        None | Some("info") => Level::Info,
        Some("debug") => Level::Debug,
        Some("warn") => Level::Warn,
        Some("error") => Level::Error,
        Some(other) => {
            return Err(mlua::Error::runtime(format!(
                "bad argument #2 to 'log' (`debug`, `info`, `warn` or `error` expected, got `{other}`)"
            )))
        }
    };
    with_world(lua, |w, module| w.record(EventKind::Log { level, tag: module.to_string(), text, bare: false }));
    Ok(())
}
