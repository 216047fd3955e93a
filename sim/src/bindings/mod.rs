//! Firmware modules as Lua sees them, one file per module, installed from one list.
//!
//! The list lives outside any Lua state, so every fresh state (boot, reboot, reload) gets the
//! same set; optional modules install only when the build (profile or scenario) has them.
//! Bindings reach the simulation through `runtime::with_world` and never hold that borrow
//! while calling back into Lua. Argument errors are raised as plain strings at the caller's
//! line, exactly like the device's `luaL_error`, through a small Lua wrapper.

pub mod args;
mod config;
pub mod convert;
mod eventbus;
mod gnss;
mod json;
mod log;
mod luatos_log;
mod mqtt;
mod node;
mod rtc;
mod rtos;
mod telegram;

pub use args::{Args, BindResult, Fail};
pub use rtos::{INF_TIMEOUT, MSG_CALLBACK, MSG_PUBLISH, MSG_TIMEOUT, MSG_TIMER};

use crate::runtime::with_world;
use mlua::{Function, IntoLuaMulti, Lua, MultiValue, Table, Value};

/// One firmware module: its global name, the build option it needs (if optional), and how it
/// installs itself into a fresh state.
pub struct Binding {
    pub name: &'static str,
    pub module: Option<&'static str>,
    /// Part of the lean surface of a whole-VM-in-the-sleep-region build.
    pub lean: bool,
    pub install: fn(&Lua) -> mlua::Result<()>,
}

/// Every binding, in installation order.
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
];

/// Installs every binding the device's build has (only the lean ones when `lean`).
pub fn install_all(lua: &Lua, lean: bool) -> mlua::Result<()> {
    install_raise_wrapper(lua)?;
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
    Ok(())
}

const WRAP_KEY: &str = "luasim.wrap";
const FAIL_KEY: &str = "luasim.fail";

/// `wrap(raw)` returns a function that calls `raw` and raises `(FAIL, message)` results as a
/// string error at the caller's line (level 2 through the tail call).
const RAISE_WRAPPER: &str = r#"
local FAIL, error = ...
local function check(first, ...)
  if first == FAIL then
    error((...), 2)
  end
  return first, ...
end
return function(raw)
  return function(...)
    return check(raw(...))
  end
end
"#;

fn install_raise_wrapper(lua: &Lua) -> mlua::Result<()> {
    let fail = lua.create_table()?;
    let error: Function = lua.globals().get("error")?;
    let wrapper =
        crate::runtime::compile(lua, RAISE_WRAPPER.as_bytes(), "=binding", None)?.map_err(mlua::Error::runtime)?;
    let factory: Function = wrapper.call((fail.clone(), error))?;
    lua.set_named_registry_value(FAIL_KEY, fail)?;
    lua.set_named_registry_value(WRAP_KEY, factory)
}

/// A binding function named `name` (for error messages) implemented by `f`.
pub fn function<R, F>(lua: &Lua, name: &'static str, f: F) -> mlua::Result<Function>
where
    R: IntoLuaMulti,
    F: Fn(&Lua, Args) -> BindResult<R> + 'static,
{
    let raw = lua.create_function(move |lua, values: MultiValue| match f(lua, Args::new(name, values.into_vec())) {
        Ok(result) => result.into_lua_multi(lua),
        Err(Fail::Lua(e)) => Err(e),
        Err(Fail::Raise(message)) => {
            let fail: Table = lua.named_registry_value(FAIL_KEY)?;
            Ok(MultiValue::from_vec(vec![Value::Table(fail), Value::String(lua.create_string(message)?)]))
        }
    })?;
    let factory: Function = lua.named_registry_value(WRAP_KEY)?;
    factory.call(raw)
}

/// A module table with the given functions, set as a global.
pub fn global_table(lua: &Lua, name: &str, fields: Vec<(&str, Function)>) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    for (key, f) in fields {
        table.set(key, f)?;
    }
    lua.globals().set(name, table.clone())?;
    Ok(table)
}

/// The error raised into Lua while the device is halting. Also switches the instruction hook
/// to fire on every instruction, so a script that catches this error with `pcall` is stopped
/// again at its next instruction.
pub fn halting(lua: &Lua) -> mlua::Error {
    crate::runtime::watchdog::tighten(lua);
    let reason = with_world(lua, |w| w.halt().map_or_else(|| "halted".to_string(), |h| h.to_string()));
    mlua::Error::runtime(format!("device halted: {reason}"))
}

/// Raises the halting error if the device is halting.
pub fn check_running(lua: &Lua) -> BindResult<()> {
    if with_world(lua, |w| w.halt().is_some()) {
        return Err(Fail::Lua(halting(lua)));
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
