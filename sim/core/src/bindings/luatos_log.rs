//! `log` (LuatOS style) and `print`: lines that go to the device's UART, and so to the trace.
//!
//! `log.info(tag, ...)` joins its values with spaces after `tostring`, like LuatOS, and shows as
//! `I/user.tag text`. `log.setLevel("WARN")` hides lower levels. `print` joins with tabs.

use super::{check_running, function, global_table, set_constants, Args, BindResult, Binding};
use crate::device::with_world;
use crate::trace::{EventKind, Level};
use mlua::{Function, Lua, Value};

pub const BINDING: Binding = Binding { name: "log", module: None, lean: true, simulator_only: false, install };

/// Registry slot for the minimum level shown, as a rank (0 debug .. 3 error, 4 silent).
const MIN_RANK: &str = "luasim.log.min_rank";

fn rank(level: Level) -> i64 {
    match level {
        Level::Debug => 0,
        Level::Info | Level::Print => 1,
        Level::Warn => 2,
        Level::Error => 3,
    }
}

fn install(lua: &Lua) -> mlua::Result<()> {
    let tostring: Function = lua.globals().get("tostring")?;
    let mut fields = Vec::new();
    for (name, level) in
        [("debug", Level::Debug), ("info", Level::Info), ("warn", Level::Warn), ("error", Level::Error)]
    {
        let tostring = tostring.clone();
        fields.push((
            name,
            function(lua, name, move |lua, args: Args| {
                // A halting device logs nothing more (e.g. sys.lua reporting the watchdog's
                // unwinding as a task error).
                check_running(lua)?;
                let min: i64 = lua.named_registry_value(MIN_RANK).unwrap_or(0);
                if rank(level) >= min {
                    let tag = format!("user.{}", to_text(&tostring, args.get(1))?);
                    let text = join(&tostring, args.rest(2), " ")?;
                    line_in_heap(lua, level, &tag, &text)?;
                    with_world(lua, |w| w.record(EventKind::Log { level, tag, text, bare: false }));
                }
                Ok(())
            })?,
        ));
    }
    fields.push(("setLevel", function(lua, "setLevel", set_level)?));
    let t = global_table(lua, "log", fields)?;
    set_constants(lua, &t, &[("LOG_DEBUG", 0), ("LOG_INFO", 1), ("LOG_WARN", 2), ("LOG_ERROR", 3), ("LOG_SILENT", 4)])?;
    let print = function(lua, "print", move |lua, args: Args| {
        let text = join(&tostring, args.rest(1), "\t")?;
        line_in_heap(lua, Level::Print, "", &text)?;
        with_world(lua, |w| w.record(EventKind::Log { level: Level::Print, tag: String::new(), text, bare: false }));
        Ok(())
    })?;
    lua.globals().set("print", print)
}

/// Makes the line a script logs (`I/user.tag text`, or `print`'s text alone) a Lua string and
/// lets it go: the firmware builds each line in a `luaL_Buffer` and pushes it as a string
/// (`firmware-shim/src/log_module.c`), garbage once written out, so the device's heap and its
/// collector have it too (a line longer than the buffer's 512 bytes also takes a box there).
pub fn line_in_heap(lua: &Lua, level: Level, tag: &str, text: &str) -> mlua::Result<()> {
    let line = match level {
        Level::Print => text.to_string(),
        _ => format!("{}/{tag} {text}", level.letter()),
    };
    lua.create_string(line).map(drop)
}

/// `log.setLevel("INFO")` or `log.setLevel(log.LOG_INFO)`.
fn set_level(lua: &Lua, args: Args) -> BindResult<()> {
    let min = match args.get(1) {
        Value::Integer(n) if (0..=4).contains(&n) => n,
        Value::String(s) => match s.to_string_lossy().to_ascii_uppercase().as_str() {
            "DEBUG" => 0,
            "INFO" => 1,
            "WARN" => 2,
            "ERROR" => 3,
            "SILENT" => 4,
            other => {
                return Err(args.error(1, format!("unknown level '{other}'; use DEBUG, INFO, WARN, ERROR or SILENT")))
            }
        },
        _ => return Err(args.error(1, "level name or log.LOG_* constant expected")),
    };
    Ok(lua.set_named_registry_value(MIN_RANK, min)?)
}

/// Lua's own `tostring` (taken before scripts run), so numbers, `__tostring` and `__name` print
/// as on the device.
pub fn to_text(tostring: &Function, value: Value) -> mlua::Result<String> {
    match value {
        Value::String(s) => Ok(s.to_string_lossy()),
        Value::Integer(i) => Ok(i.to_string()),
        other => Ok(tostring.call::<mlua::LuaString>(other)?.to_string_lossy()),
    }
}

fn join(tostring: &Function, values: Vec<Value>, sep: &str) -> mlua::Result<String> {
    let parts = values.into_iter().map(|v| to_text(tostring, v)).collect::<mlua::Result<Vec<_>>>()?;
    Ok(parts.join(sep))
}
