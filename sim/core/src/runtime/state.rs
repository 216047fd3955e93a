//! Builds a fresh device Lua state: the standard libraries the firmware opens, minus everything
//! that reaches the host, the clock functions on virtual time, the bindings, the prelude and
//! `sys.lua`. Called at every boot.

use super::loader;
use super::sandbox;
use crate::bindings;
use crate::bindings::CALL_PROTECTED;
use crate::device::{with_world, Device};
use crate::memory::{self, bare_state, DeviceState};
use crate::trace::EventKind;
use crate::vfs;
use mlua::{Function, Lua, MultiValue, Result, StdLib, Table, Value};
use std::rc::Rc;

/// `sys.lua` exactly as the firmware embeds it.
pub const SYS_LUA: &str = include_str!("../../../../lua/sys.lua");
/// The device's loader glue, shared with the firmware.
pub const PRELUDE_LUA: &str = include_str!("../../../../lua/prelude.lua");

/// Registry slot of the prelude's `run_script(path)`.
pub const RUN_SCRIPT: &str = "luasim.run_script";

/// The standard libraries a device state opens (the base library always comes with it).
fn libraries(vm_in_sleep_region: bool, vm_libs: &[String]) -> StdLib {
    if !vm_in_sleep_region {
        // The sandbox needs `debug` for `debug.traceback` (and removes the rest of it), `os`
        // for the clock functions and `package` for `require`.
        return StdLib::OS
            | StdLib::PACKAGE
            | StdLib::DEBUG
            | StdLib::COROUTINE
            | StdLib::TABLE
            | StdLib::STRING
            | StdLib::UTF8
            | StdLib::MATH;
    }
    vm_libs.iter().fold(StdLib::NONE, |libs, name| {
        libs | match name.as_str() {
            "coroutine" => StdLib::COROUTINE,
            "table" => StdLib::TABLE,
            "string" => StdLib::STRING,
            "math" => StdLib::MATH,
            "utf8" => StdLib::UTF8,
            _ => StdLib::NONE,
        }
    })
}

/// A new state of the device's current generation. With the whole VM in the sleep region the
/// state is lean: its heap is the region, and it has no `sys.lua` and only the lean bindings.
pub fn new_state(device: Rc<Device>, seed: u64) -> Result<DeviceState> {
    let (vm, heap_limit, libs) = device.with_world(|w| {
        let p = &w.profile();
        (p.vm_in_sleep_region, p.heap_limit(), libraries(p.vm_in_sleep_region, &p.vm_libs))
    });
    let mut state = bare_state(heap_limit)?;
    let lua = &state.lua;
    lua.set_app_data(device);
    lua.load_std_libs(libs)?;
    if vm {
        let context = finish_lean_state(&state, seed)?;
        state.set_context(context);
        return Ok(state);
    }
    crate::device::watchdog::install(lua)?;

    let traceback = sandbox::enclose(lua)?;
    let globals = lua.globals();
    if let Some(math) = globals.get::<Option<Table>>("math")? {
        math.get::<Function>("randomseed")?.call::<()>(seed as i64)?;
    }

    let context = bindings::install_all(lua, false)?;
    let text_load = sandbox::stand_ins(lua)?;

    let native_load = sandbox::native_load(lua, lua.create_function(native_load)?)?;
    // The prelude's chunk is garbage once it has run, as on the device: no handle keeps it.
    let (run_script, call_protected): (Function, Function) =
        compile_builtin(lua, PRELUDE_LUA, "@prelude.lua")?.call((native_load, traceback, text_load))?;
    lua.set_named_registry_value(RUN_SCRIPT, run_script)?;
    lua.set_named_registry_value(CALL_PROTECTED, call_protected)?;
    // the registry has the device's keys now, before `sys.lua` loads (the boot's peak)
    memory::settle_registry(lua);

    if super::luatos::is_luatos(lua) {
        super::luatos::install_sys(lua)?;
    } else {
        let sys: Value = compile_builtin(lua, SYS_LUA, "@sys.lua")?.call(())?;
        let package: Table = globals.get("package")?;
        package.get::<Table>("loaded")?.set("sys", sys.clone())?;
        globals.set("sys", sys)?;
    }
    if with_world(lua, |w| w.profile().sleepy) {
        #[cfg(feature = "lua54")]
        super::sleepy::install(lua)?;
    }
    memory::settle_registry(lua);
    lua.gc_collect()?;
    state.set_context(context);
    Ok(state)
}

/// The lean state of a device that keeps its whole VM in the sleep region: the base library
/// (plus `vm_libs`), `print`, `log` and `Node`, nothing else. No `sys.lua`, no prelude: there is
/// no `dofile`, `loadfile`, `load` or `require`, and errors carry no traceback (the `debug`
/// library would not fit).
fn finish_lean_state(state: &DeviceState, seed: u64) -> Result<bindings::Context> {
    let lua = &state.lua;
    crate::device::watchdog::install(lua)?;
    let globals = lua.globals();
    for name in ["dofile", "loadfile", "load"] {
        globals.set(name, Value::Nil)?;
    }
    sandbox::remove_all(lua, &globals)?;
    if let Some(math) = globals.get::<Option<Table>>("math")? {
        math.get::<Function>("randomseed")?.call::<()>(seed as i64)?;
    }
    let context = bindings::install_all(lua, true)?;
    let run_script = lua.create_function(|lua, path: String| {
        let source = with_world(lua, |w| w.flash().read(&path).map(<[u8]>::to_vec)).unwrap_or_default();
        let outcome =
            loader::compile(lua, &source, &format!("@{path}"), None)?.map_err(|e| e.message).and_then(|chunk| {
                with_world(lua, |w| w.record(EventKind::Script { path: path.clone(), bytes: source.len() }));
                chunk.call::<()>(()).map_err(|e| e.to_string())
            });
        Ok(match outcome {
            Ok(()) => (true, None),
            Err(message) => (false, Some(message)),
        })
    })?;
    let call_protected = lua.create_function(|_, (f, args): (Function, MultiValue)| {
        Ok(match f.call::<()>(args) {
            Ok(()) => (true, None),
            Err(e) => (false, Some(e.to_string())),
        })
    })?;
    lua.set_named_registry_value(RUN_SCRIPT, run_script)?;
    lua.set_named_registry_value(CALL_PROTECTED, call_protected)?;
    memory::settle_registry(lua);
    Ok(context)
}

fn compile_builtin(lua: &Lua, source: &str, name: &str) -> Result<Function> {
    loader::compile(lua, source.as_bytes(), name, None)?.map_err(mlua::Error::runtime)
}

/// `native_load(path [, env])`: compiles a file of the device's flash. Returns the chunk, or
/// `nil, message, missing` where `missing` is true when there is no such file.
fn native_load(lua: &Lua, (path, env): (String, Option<Table>)) -> Result<MultiValue> {
    let device_path = vfs::normalize(&path);
    let source = with_world(lua, |w| w.flash().read(&device_path).map(<[u8]>::to_vec));
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
        Ok(chunk) => {
            #[cfg(feature = "lua54")]
            super::sleepy::note_chunk(lua, &device_path, &source, &chunk)?;
            Ok(MultiValue::from_vec(vec![Value::Function(chunk)]))
        }
        Err(loader::CompileError { message }) => {
            // Lua's refusal of a binary chunk does not name the file.
            let message =
                if message.starts_with(BINARY_REFUSAL) { format!("{device_path}: {message}") } else { message };
            Ok(MultiValue::from_vec(vec![
                Value::Nil,
                Value::String(lua.create_string(message)?),
                Value::Boolean(false),
            ]))
        }
    }
}

/// How Lua's parser starts its refusal of a binary chunk in text mode.
const BINARY_REFUSAL: &str = "attempt to load a binary chunk";
