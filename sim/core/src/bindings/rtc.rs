//! `RTC`: the persistent store in the sleep region, which survives deep sleep (not power loss).
//! `set(key, value)` stores nil (removes), booleans, integers, floats, strings and nested
//! tables; functions, userdata and cycles are errors, and so is a write that does not fit,
//! naming bytes wanted and free. `get(key)` returns a fresh copy; `keys()`, `remove(key)`,
//! `clear()`, `used()` and `free()` (bytes, header included) and `status()` (what this boot
//! found: `ok`, `empty`, `corrupt`) complete it. The byte format: `docs/sleep-region.md`.

use super::args::type_name;
use super::{check_running, function, global_table, halting, Args, BindResult, Binding, Fail};
use crate::device::with_world;
use crate::world::sleep_region::{RtcKey, RtcValue};
use mlua::{Lua, Table, Value};
use std::collections::BTreeMap;

pub const BINDING: Binding = Binding { name: "RTC", module: None, lean: false, simulator_only: false, install };

/// Deepest table nesting `RTC.set` accepts.
const MAX_DEPTH: usize = 32;

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(
        lua,
        "RTC",
        vec![
            ("set", function(lua, "set", set)?),
            ("get", function(lua, "get", get)?),
            ("remove", function(lua, "remove", remove)?),
            ("keys", function(lua, "keys", keys)?),
            (
                "clear",
                function(lua, "clear", |lua, _| {
                    with_world(lua, |w| w.rtc_clear());
                    Ok(())
                })?,
            ),
            ("used", function(lua, "used", |lua, _| Ok(with_world(lua, |w| w.sleep_region().used())))?),
            (
                "free",
                function(lua, "free", |lua, _| {
                    Ok(with_world(lua, |w| w.sleep_region().capacity() - w.sleep_region().used()))
                })?,
            ),
            ("status", function(lua, "status", |lua, _| Ok(with_world(lua, |w| w.sleep_region().status().as_str())))?),
        ],
    )?;
    Ok(())
}

fn set(lua: &Lua, args: Args) -> BindResult<bool> {
    let key = args.string(1)?;
    let value = match args.get(2) {
        Value::Nil => None,
        v => Some(to_rtc(&v, &mut Vec::new()).map_err(|e| Fail::Raise(format!("RTC.set: cannot store '{key}': {e}")))?),
    };
    write(lua, &key, value)
}

fn remove(lua: &Lua, args: Args) -> BindResult<bool> {
    let key = args.string(1)?;
    write(lua, &key, None)
}

fn write(lua: &Lua, key: &str, value: Option<RtcValue>) -> BindResult<bool> {
    check_running(lua)?;
    let outcome = with_world(lua, |w| w.rtc_write(key.as_bytes(), value));
    match outcome {
        Ok(true) => Ok(true),
        Ok(false) => Err(halting(lua)),
        Err(full) => Err(Fail::Raise(format!(
            "RTC.set: storing '{key}' wants {} bytes but only {} of the {}-byte sleep region are free",
            full.wanted, full.free, full.capacity
        ))),
    }
}

fn get(lua: &Lua, args: Args) -> BindResult<Value> {
    let key = args.string(1)?;
    match with_world(lua, |w| w.sleep_region().get(key.as_bytes()).cloned()) {
        Some(v) => Ok(to_lua(lua, &v)?),
        None => Ok(Value::Nil),
    }
}

fn keys(lua: &Lua, _: Args) -> BindResult<Table> {
    let keys: Vec<Vec<u8>> = with_world(lua, |w| w.sleep_region().keys().map(<[u8]>::to_vec).collect());
    let t = lua.create_table()?;
    for (i, k) in keys.into_iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(k)?)?;
    }
    Ok(t)
}

/// Converts a Lua value; `path` holds the tables being converted, to catch cycles.
fn to_rtc(v: &Value, path: &mut Vec<Table>) -> Result<RtcValue, String> {
    Ok(match v {
        Value::Boolean(b) => RtcValue::Bool(*b),
        Value::Integer(i) => RtcValue::Int(*i),
        Value::Number(x) => RtcValue::Float(*x),
        Value::String(s) => RtcValue::Str(s.as_bytes().to_vec()),
        Value::Table(t) => {
            if path.iter().any(|seen| seen == t) {
                return Err("the table contains itself (a cycle)".into());
            }
            if path.len() >= MAX_DEPTH {
                return Err(format!("tables nested deeper than {MAX_DEPTH} levels"));
            }
            path.push(t.clone());
            let mut out = BTreeMap::new();
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair.map_err(|e| e.to_string())?;
                let key = match k {
                    Value::Integer(i) => RtcKey::Int(i),
                    Value::String(s) => RtcKey::Str(s.as_bytes().to_vec()),
                    other => return Err(format!("table keys must be integers or strings, not {}", type_name(&other))),
                };
                out.insert(key, to_rtc(&v, path)?);
            }
            path.pop();
            RtcValue::Table(out)
        }
        other => return Err(format!("a {} cannot be kept in the sleep region", type_name(other))),
    })
}

fn to_lua(lua: &Lua, v: &RtcValue) -> mlua::Result<Value> {
    Ok(match v {
        RtcValue::Bool(b) => Value::Boolean(*b),
        RtcValue::Int(i) => Value::Integer(*i),
        RtcValue::Float(x) => Value::Number(*x),
        RtcValue::Str(s) => Value::String(lua.create_string(s)?),
        RtcValue::Table(t) => {
            let table = lua.create_table()?;
            for (k, v) in t {
                let value = to_lua(lua, v)?;
                match k {
                    RtcKey::Int(i) => table.raw_set(*i, value)?,
                    RtcKey::Str(s) => table.raw_set(lua.create_string(s)?, value)?,
                }
            }
            Value::Table(table)
        }
    })
}
