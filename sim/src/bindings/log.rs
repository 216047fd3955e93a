//! `log` (LuatOS style) and `print`: lines that go to the device's UART, and so to the trace.
//!
//! `log.info(tag, ...)` joins its values with spaces after `tostring`, like LuatOS, and shows as
//! `I/user.tag text`. `log.setLevel("WARN")` hides lower levels. `print` joins with tabs.

use super::{world, Binding};
use crate::trace::{EventKind, Level};
use mlua::{Function, Lua, Result, Value, Variadic};

pub const BINDING: Binding = Binding {
    name: "log",
    install,
};

/// Registry slot for the minimum level shown, as a rank (0 debug .. 3 error).
const MIN_RANK: &str = "luasim.log.min_rank";

fn rank(level: Level) -> i64 {
    match level {
        Level::Debug => 0,
        Level::Info | Level::Print => 1,
        Level::Warn => 2,
        Level::Error => 3,
    }
}

fn install(lua: &Lua) -> Result<()> {
    let tostring: Function = lua.globals().get("tostring")?;
    let t = lua.create_table()?;
    for (name, level) in [
        ("debug", Level::Debug),
        ("info", Level::Info),
        ("warn", Level::Warn),
        ("error", Level::Error),
    ] {
        let tostring = tostring.clone();
        let f = lua.create_function(move |lua, (tag, rest): (Value, Variadic<Value>)| {
            let min: i64 = lua.named_registry_value(MIN_RANK).unwrap_or(0);
            if rank(level) < min {
                return Ok(());
            }
            let tag = to_text(&tostring, tag)?;
            let text = join(&tostring, rest, " ")?;
            world(lua).record(EventKind::Log { level, tag, text });
            Ok(())
        })?;
        t.set(name, f)?;
    }
    t.set("setLevel", lua.create_function(set_level)?)?;
    for (name, value) in [
        ("LOG_SILENT", 4),
        ("LOG_DEBUG", 0),
        ("LOG_INFO", 1),
        ("LOG_WARN", 2),
        ("LOG_ERROR", 3),
    ] {
        t.set(name, value)?;
    }
    lua.globals().set("log", t)?;
    let print = lua.create_function(move |lua, values: Variadic<Value>| {
        let text = join(&tostring, values, "\t")?;
        world(lua).record(EventKind::Log {
            level: Level::Print,
            tag: String::new(),
            text,
        });
        Ok(())
    })?;
    lua.globals().set("print", print)
}

/// `log.setLevel("INFO")` or `log.setLevel(log.LOG_INFO)`.
fn set_level(lua: &Lua, level: Value) -> Result<()> {
    let min = match &level {
        Value::Integer(n) if (0..=4).contains(n) => *n,
        Value::String(s) => match s.to_str()?.to_ascii_uppercase().as_str() {
            "DEBUG" => 0,
            "INFO" => 1,
            "WARN" => 2,
            "ERROR" => 3,
            "SILENT" => 4,
            other => {
                return Err(mlua::Error::runtime(format!(
                    "log.setLevel: unknown level '{other}' (DEBUG, INFO, WARN, ERROR, SILENT)"
                )))
            }
        },
        _ => {
            return Err(mlua::Error::runtime(
                "log.setLevel: expected a level name or log.LOG_* constant",
            ))
        }
    };
    lua.set_named_registry_value(MIN_RANK, min)
}

/// Lua's own `tostring` (taken before scripts run), so numbers, `__tostring` and `__name` print
/// as on the device.
fn to_text(tostring: &Function, value: Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.to_string_lossy()),
        Value::Integer(i) => Ok(i.to_string()),
        other => Ok(tostring.call::<mlua::LuaString>(other)?.to_string_lossy()),
    }
}

fn join(tostring: &Function, values: Variadic<Value>, sep: &str) -> Result<String> {
    let parts = values
        .into_iter()
        .map(|v| to_text(tostring, v))
        .collect::<Result<Vec<_>>>()?;
    Ok(parts.join(sep))
}
