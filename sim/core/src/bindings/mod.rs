//! Firmware modules as Lua sees them, one file per module, installed from one list.
//!
//! The list lives outside any Lua state, so every fresh state (boot, reboot, reload) gets the
//! same set; optional modules install only when the build (profile or scenario) has them.
//! Bindings reach the simulation through `runtime::with_world` and never hold that borrow
//! while calling back into Lua. Functions are light C functions, as on the device, and argument
//! errors are raised as plain strings at the caller's line, like `luaL_error` (see `surface`).

pub mod args;
mod config;
pub mod convert;
mod dispatch;
mod error_text;
mod eventbus;
mod gnss;
mod json;
mod log;
mod luatos_json;
mod luatos_log;
mod luatos_log_lib;
mod luatos_rtos;
mod luatos_string;
mod mqtt;
mod node;
mod os_clock;
mod rtc;
mod rtos;
mod surface;
mod telegram;
mod user_modules;

pub use args::{Args, BindResult, Fail};
pub use dispatch::{take_message, Taken, CALL_PROTECTED};
pub use error_text::describe_error;
pub use node::sleep_ms;
pub use rtos::{OnSleepRequest, INF_TIMEOUT, MSG_CALLBACK, MSG_PUBLISH, MSG_TIMEOUT, MSG_TIMER};
pub use surface::{function, Context};

use crate::device::watchdog::halting_message;
use crate::device::with_world;
use mlua::{ffi, Function, Lua, Table, Variadic};
use std::ffi::c_int;

/// One firmware module: its global name, the build option it needs (if optional), and how it
/// installs itself into a fresh state.
pub struct Binding {
    pub name: &'static str,
    pub module: Option<&'static str>,
    /// Part of the lean surface of a whole-VM-in-the-sleep-region build.
    pub lean: bool,
    /// Only the simulator has it: the firmware (`firmware-shim/`) implements no C side for it,
    /// so `contract.h`'s `BINDINGS` leaves it out and the firmware links without it. The
    /// LuatOS surface (`luatos` build option, `docs/luatos.md`) is such a module.
    pub simulator_only: bool,
    pub install: fn(&Lua) -> mlua::Result<()>,
}

/// Every binding, in installation order.
/// The build options of the optional modules (`modules:` of a profile or scenario), each once.
pub fn build_options() -> Vec<&'static str> {
    let mut names: Vec<&str> = ALL.iter().filter_map(|b| b.module).collect();
    names.sort_unstable();
    names.dedup();
    names
}

pub const ALL: &[Binding] = &[
    rtos::BINDING,
    luatos_log::BINDING,
    log::BINDING,
    mqtt::BINDING,
    eventbus::BINDING,
    config::BINDING,
    node::BINDING,
    rtc::BINDING,
    json::BINDING,
    telegram::BINDING,
    gnss::BINDING,
    // LuatOS's surface (the `luatos` build option, simulator only): `log` and `rtos` extend or
    // replace the modules above, so they come after them.
    luatos_log_lib::BINDING,
    luatos_rtos::BINDING,
    luatos_string::BINDING,
    luatos_json::BINDING,
];

/// Installs every binding the device's build has (only the lean ones when `lean`). Returns the
/// context of their fast paths, for `DeviceState::set_context`.
pub fn install_all(lua: &Lua, lean: bool) -> mlua::Result<Context> {
    surface::begin(lua);
    if !lean {
        os_clock::install(lua)?;
    }
    for binding in ALL {
        let present = match binding.module {
            _ if lean && !binding.lean => false,
            None => true,
            Some(module) => with_world(lua, |w| w.has_module(module)),
        };
        if present {
            (binding.install)(lua)?;
        }
    }
    if !lean {
        user_modules::install(lua)?;
    }
    surface::finish(lua)
}

/// Pushes `text` as a Lua string (Lua copies it), for the raw calls that build tables.
///
/// # Safety
/// `state` is a live Lua state with a free stack slot, inside a protected call (Lua may raise
/// a memory error, which `longjmp`s to it across the caller's frames: they must hold nothing
/// that needs dropping).
pub unsafe fn push_str(state: *mut ffi::lua_State, text: &str) {
    // SAFETY: the state and the free slot are the caller's promise; `text` is valid for its
    // length and Lua copies it before returning. A memory error raised here is caught by the
    // caller's protected call, and nothing in this frame needs dropping.
    unsafe { ffi::lua_pushlstring(state, text.as_ptr().cast(), text.len()) };
}

/// A module table with the given functions, set as a global.
/// Built on the raw stack in one protected call, like the firmware's `luaL_newlib` and
/// `lua_setglobal`: one mlua call per field was a tenth of a deep-sleep wake.
pub fn global_table(lua: &Lua, name: &str, fields: Vec<(&str, Function)>) -> mlua::Result<Table> {
    let (names, functions): (Vec<&str>, Vec<Function>) = fields.into_iter().unzip();
    // SAFETY: works on the stack exec_raw hands over (the functions at 1..=n), leaves one value.
    unsafe {
        lua.exec_raw(Variadic::from_iter(functions), |state| {
            let n = names.len() as c_int;
            ffi::lua_createtable(state, 0, n);
            for (i, key) in names.iter().enumerate() {
                push_str(state, key);
                ffi::lua_pushvalue(state, i as c_int + 1);
                ffi::lua_rawset(state, n + 1);
            }
            ffi::lua_rawgeti(state, ffi::LUA_REGISTRYINDEX, ffi::LUA_RIDX_GLOBALS);
            push_str(state, name);
            ffi::lua_pushvalue(state, n + 1);
            ffi::lua_rawset(state, -3);
            ffi::lua_pop(state, 1);
            ffi::lua_replace(state, 1);
            ffi::lua_settop(state, 1);
        })
    }
}

/// Sets integer fields of a module table (`rtos.MSG_TIMER`...) in one protected raw call.
pub fn set_constants(lua: &Lua, table: &Table, constants: &[(&str, i64)]) -> mlua::Result<()> {
    // SAFETY: works on the stack exec_raw hands over (the table at 1) and leaves it as it was.
    unsafe {
        lua.exec_raw(table, |state| {
            for (name, value) in constants {
                push_str(state, name);
                ffi::lua_pushinteger(state, *value);
                ffi::lua_rawset(state, 1);
            }
            ffi::lua_settop(state, 0);
        })
    }
}

/// A binding's way out while the device is halting (see `halting_message`).
pub fn halting(lua: &Lua) -> Fail {
    Fail::Halt(halting_message(lua))
}

/// Raises the halting error if the device is halting.
pub fn check_running(lua: &Lua) -> BindResult<()> {
    if with_world(lua, |w| w.halt().is_some()) {
        return Err(halting(lua));
    }
    Ok(())
}

/// Registry table of this state's firmware callbacks, by registration id.
pub const CALLBACKS_KEY: &str = "luasim.callbacks";

/// Registers `f` with the firmware for `listener`; returns the registration id.
pub fn subscribe(lua: &Lua, listener: crate::world::Listener, f: Function) -> mlua::Result<u64> {
    let id = with_world(lua, |w| w.register(listener));
    keep_callback(lua, id, f)?;
    Ok(id)
}

/// Stores `f` as the callback of registration `id` in this state.
pub fn keep_callback(lua: &Lua, id: u64, f: Function) -> mlua::Result<()> {
    let callbacks = match lua.named_registry_value::<Option<Table>>(CALLBACKS_KEY)? {
        Some(t) => t,
        None => {
            let t = lua.create_table()?;
            lua.set_named_registry_value(CALLBACKS_KEY, t.clone())?;
            t
        }
    };
    callbacks.set(id, f)
}
