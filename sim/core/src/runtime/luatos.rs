//! The `luatos` build's Lua side: LuatOS's `sys.lua` (`lua/luatos/sys.lua`) loaded as both
//! `sys` and `sysplus`, and LuatOS's boot, which runs `main.lua` alone and, when it returns or
//! fails, ends the Lua VM and resets the chip 15 s later (`docs/luatos.md`).
//!
//! From LuatOS's `luat/modules/luat_main.c` (openLuat/LuatOS): `sys` and `sysplus` are loaded
//! before `main.lua`; `main.lua` runs from C (`luaL_dofile`) without a message handler, so an
//! error is reported as its message alone, as `Luat: ` then the message, both with the tag
//! `main`; then
//! `Lua VM exit!! reboot in 15000ms` and the reset after `LUAT_EXIT_REBOOT_DELAY` (15000 ms).

use super::loader;
use crate::device::{note_out_of_memory, with_world, Device};
use crate::profile::LUATOS;
use crate::trace::{EventKind, Level};
use crate::vfs::MAIN_SCRIPT;
use mlua::{ffi, Function, Lua, Result, Table, Value};
use std::rc::Rc;

/// LuatOS's sys.lua as this build embeds it.
pub const LUATOS_SYS_LUA: &str = include_str!("../../../../lua/luatos/sys.lua");

/// How long LuatOS waits between the end of the Lua VM and the reset (`LUAT_EXIT_REBOOT_DELAY`).
pub const EXIT_REBOOT_DELAY_MS: u64 = 15_000;

/// The tag of LuatOS's own lines about `main.lua` and the end of the VM.
pub const MAIN_TAG: &str = "main";

/// How the line that ends the Lua VM starts (`Lua VM exit!! reboot in 15000ms`).
pub const VM_EXIT: &str = "Lua VM exit!!";

/// The line LuatOS's `report` prints before the error message of `main.lua`.
pub const REPORT_HEADER: &str = "Luat: ";

/// Registry slot of the prelude's `loadfile`, taken before any script runs.
const LOADFILE_KEY: &str = "luasim.luatos.loadfile";

/// Whether the state's build is a LuatOS one.
pub fn is_luatos(lua: &Lua) -> bool {
    with_world(lua, |w| w.has_module(LUATOS))
}

/// Loads LuatOS's sys.lua as the globals `sys` and `sysplus` and in `package.loaded`, and
/// keeps the prelude's `loadfile` for the boot.
pub fn install_sys(lua: &Lua) -> Result<()> {
    let globals = lua.globals();
    lua.set_named_registry_value(LOADFILE_KEY, globals.get::<Function>("loadfile")?)?;
    let sys: Value = builtin(lua, LUATOS_SYS_LUA, "@sys.lua")?.call(())?;
    let loaded: Table = globals.get::<Table>("package")?.get("loaded")?;
    for name in ["sys", "sysplus"] {
        loaded.set(name, sys.clone())?;
        globals.set(name, sys.clone())?;
    }
    Ok(())
}

fn builtin(lua: &Lua, source: &str, name: &str) -> Result<Function> {
    loader::compile(lua, source.as_bytes(), name, None)?.map_err(mlua::Error::runtime)
}

/// One LuatOS boot: `main.lua`, then the end of the VM and, 15 s later, the reset.
pub fn run_generation(device: &Rc<Device>, lua: &Lua) -> Result<()> {
    let loadfile: Function = lua.named_registry_value(LOADFILE_KEY)?;
    let failure = match loadfile.call::<(Option<Function>, Value)>(MAIN_SCRIPT)? {
        (Some(chunk), _) => match dofile(lua, chunk) {
            Ok(None) => None,
            Ok(Some(err)) => Some(message(lua, &err)),
            Err(err) => Some(err.to_string()),
        },
        (None, err) => Some(message(lua, &err)),
    };
    if device.with_world(|w| w.halt().is_some()) {
        return Ok(());
    }
    let log = |text: String| EventKind::Log { level: Level::Error, tag: MAIN_TAG.into(), text, bare: false };
    if let Some(message) = failure {
        note_out_of_memory(lua, &format!("script {MAIN_SCRIPT}"), &message);
        device.with_world(|w| {
            w.record(log(REPORT_HEADER.into()));
            w.record(log(message));
        });
    }
    device.with_world(|w| {
        w.record(log(format!("{VM_EXIT} reboot in {EXIT_REBOOT_DELAY_MS}ms")));
        w.lua_vm_exit(EXIT_REBOOT_DELAY_MS);
    });
    Ok(())
}

/// Calls `chunk` as `luaL_dofile` does, with `lua_pcall` and no message handler: the error value
/// as raised (a traceback only if the script made one), `None` when it returned.
fn dofile(lua: &Lua, chunk: Function) -> Result<Option<Value>> {
    // SAFETY: exec_raw hands over the chunk at 1 of a fresh stack (a C function's, with
    // LUA_MINSTACK free slots) and runs this in a protected call. `lua_pcall` pops the chunk and
    // catches its errors, leaving the error value at 1 or nothing (`nresults` 0); two values are
    // then pushed, so the stack holds exactly the `(bool, Value)` returned. Neither push
    // allocates, so nothing here can raise.
    unsafe {
        lua.exec_raw::<(bool, Value)>(chunk, |state| {
            let status = ffi::lua_pcall(state, 0, 0, 0);
            if status == ffi::LUA_OK {
                ffi::lua_pushboolean(state, 1);
                ffi::lua_pushnil(state);
            } else {
                ffi::lua_pushboolean(state, 0);
                ffi::lua_rotate(state, 1, 1);
            }
        })
    }
    .map(|(ok, err)| (!ok).then_some(err))
}

/// The error as LuatOS's `report` prints it (`lua_tolstring`: strings and numbers; C's
/// `(null)` for anything else).
fn message(lua: &Lua, err: &Value) -> String {
    match err {
        Value::String(s) => s.to_string_lossy(),
        Value::Integer(_) | Value::Number(_) => {
            lua.coerce_string(err.clone()).ok().flatten().map_or_else(String::new, |s| s.to_string_lossy())
        }
        _ => "(null)".into(),
    }
}
