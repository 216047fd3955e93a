//! LuatOS's own `log` module and `print`, for builds with the `luatos` module: they replace the
//! LuaSys-style ones (`luatos_log.rs`), which install first.
//!
//! Written from LuatOS's documentation and the behaviour of `luat/modules/luat_lib_log.c`,
//! `luat/include/luat_log.h` and `lua/src/lbaselib.c` (openLuat/LuatOS):
//! - levels are DEBUG 1, INFO 2, WARN 3, ERROR 4, SILENT 7 (`log.LOG_*`), DEBUG by default;
//!   `log.setLevel` takes an integer or one of the names, and anything else (an unknown name,
//!   0) silences the log; `log.getLevel()` returns the number; `log.fatal` is `log.error`;
//! - a call without arguments prints nothing; the tag is read with `lua_tostring`, so a tag
//!   that is neither string nor number prints as `(null)`;
//! - `log.style(n)` (and `log.style()`, which only reads it) picks the line's form, as in
//!   LuatOS's example for `log.info("ABC", "DEF", 123)` on line 12 of main.lua:
//!   0 `I/user.ABC DEF 123`, 1 `I/main.lua:12 ABC DEF 123`, 2 `I/user.ABC main.lua:12 DEF 123`
//!   (scripts on the device's flash are named without `/scripts/`, as LuatOS names them);
//! - `print` joins its values with spaces, not tabs; a tag alone is a line without a trailing
//!   space.

use super::luatos_log::to_text;
use super::{check_running, function, global_table, set_constants, Args, BindResult, Binding};
use crate::device::with_world;
use crate::trace::{EventKind, Level};
use mlua::{Function, Lua, Value};

pub const BINDING: Binding =
    Binding { name: "log", module: Some(crate::profile::LUATOS), lean: false, simulator_only: true, install };

/// Registry slots of the current level and style.
const LEVEL: &str = "luasim.luatos.log.level";
const STYLE: &str = "luasim.luatos.log.style";

const DEBUG: i64 = 1;
const INFO: i64 = 2;
const WARN: i64 = 3;
const ERROR: i64 = 4;
const SILENT: i64 = 7;

fn install(lua: &Lua) -> mlua::Result<()> {
    let tostring: Function = lua.globals().get("tostring")?;
    let mut fields = Vec::new();
    for (name, level, rank) in [
        ("debug", Level::Debug, DEBUG),
        ("info", Level::Info, INFO),
        ("warn", Level::Warn, WARN),
        ("error", Level::Error, ERROR),
        ("fatal", Level::Error, ERROR),
    ] {
        let tostring = tostring.clone();
        fields.push((name, function(lua, name, move |lua, args: Args| write(lua, &tostring, level, rank, &args))?));
    }
    fields.push(("setLevel", function(lua, "setLevel", set_level)?));
    fields.push(("getLevel", function(lua, "getLevel", |lua, _| Ok(current(lua, LEVEL, DEBUG)))?));
    fields.push(("style", function(lua, "style", style)?));
    let t = global_table(lua, "log", fields)?;
    set_constants(
        lua,
        &t,
        &[("LOG_SILENT", SILENT), ("LOG_DEBUG", DEBUG), ("LOG_INFO", INFO), ("LOG_WARN", WARN), ("LOG_ERROR", ERROR)],
    )?;
    let print = function(lua, "print", move |lua, args: Args| {
        let text = join(&tostring, args.rest(1))?;
        with_world(lua, |w| w.record(EventKind::Log { level: Level::Print, tag: String::new(), text, bare: false }));
        Ok(())
    })?;
    lua.globals().set("print", print)
}

fn current(lua: &Lua, slot: &str, default: i64) -> i64 {
    lua.named_registry_value::<Option<i64>>(slot).ok().flatten().unwrap_or(default)
}

fn write(lua: &Lua, tostring: &Function, level: Level, rank: i64, args: &Args) -> BindResult<()> {
    check_running(lua)?;
    if current(lua, LEVEL, DEBUG) > rank || args.is_empty() {
        return Ok(());
    }
    // `lua_tostring` of the tag: strings and numbers only.
    let tag = match args.get(1) {
        Value::String(s) => s.to_string_lossy(),
        Value::Integer(_) | Value::Number(_) => to_text(tostring, args.get(1))?,
        _ => "(null)".to_string(),
    };
    let rest = join(tostring, args.rest(2))?;
    let placed = match current(lua, STYLE, 0) {
        1 => {
            let shown = to_text(tostring, args.get(1))?;
            caller(lua).map(|place| (place, glue(&shown, &rest)))
        }
        2 => caller(lua).map(|place| (format!("user.{tag}"), glue(&place, &rest))),
        _ => None,
    };
    let (tag, text, bare) = match placed {
        Some((tag, text)) => (tag, text, false),
        None => (format!("user.{tag}"), rest, args.len() == 1),
    };
    with_world(lua, |w| w.record(EventKind::Log { level, tag, text, bare }));
    Ok(())
}

/// `file:line` of the Lua code calling the log function (two frames up: the binding's
/// dispatcher, its trampoline), as LuatOS's `add_debug_info` writes it.
fn caller(lua: &Lua) -> Option<String> {
    lua.inspect_stack(2, |frame| {
        let source = frame.source().source?.into_owned();
        let file = source.get(1..).unwrap_or("");
        let file = file.strip_prefix("/scripts/").unwrap_or(file).to_string();
        let line = frame.current_line().map_or(-1, |l| l as i64);
        let line = if line > 64 * 1024 { 0 } else { line };
        Some(format!("{file}:{line}"))
    })
    .flatten()
}

fn glue(first: &str, rest: &str) -> String {
    if rest.is_empty() {
        first.to_string()
    } else {
        format!("{first} {rest}")
    }
}

fn join(tostring: &Function, values: Vec<Value>) -> mlua::Result<String> {
    let parts = values.into_iter().map(|v| to_text(tostring, v)).collect::<mlua::Result<Vec<_>>>()?;
    Ok(parts.join(" "))
}

/// `log.setLevel(level)`: an integer, or `SILENT`, `DEBUG`, `INFO`, `WARN`, `ERROR`; anything
/// else, and 0, silences the log.
fn set_level(lua: &Lua, args: Args) -> BindResult<()> {
    let level = match args.get(1) {
        Value::Integer(n) => n,
        Value::String(s) => match s.as_bytes().as_ref() {
            b"SILENT" => SILENT,
            b"DEBUG" => DEBUG,
            b"INFO" => INFO,
            b"WARN" => WARN,
            b"ERROR" => ERROR,
            _ => 0,
        },
        _ => 0,
    };
    let level = if level == 0 { SILENT } else { level };
    Ok(lua.set_named_registry_value(LEVEL, level)?)
}

/// `log.style([n])`: sets the style when given an integer; returns the style.
fn style(lua: &Lua, args: Args) -> BindResult<i64> {
    if let Value::Integer(n) = args.get(1) {
        lua.set_named_registry_value(STYLE, n)?;
    }
    Ok(current(lua, STYLE, 0))
}
