//! Conversions between Lua values and JSON-like data (configuration, event data, GNSS fixes,
//! the `JSON` binding). Arrays are Lua sequences from 1; `null` becomes nil; object keys are
//! encoded in sorted order, so `JSON.encode` is deterministic.

use super::args::{format_number, type_name};
use crate::lua_error::LuaError;
use mlua::{Lua, Table, Value};
use serde_json::{Map, Number, Value as Json};

/// Deepest nesting `JSON.encode` accepts (the decoder's limit is serde_json's, 128).
pub const MAX_DEPTH: usize = 100;

pub fn json_to_lua(lua: &Lua, v: &Json) -> mlua::Result<Value> {
    Ok(match v {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(lua.create_string(s)?),
        Json::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, json_to_lua(lua, item)?)?;
            }
            Value::Table(t)
        }
        Json::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, item) in map {
                t.raw_set(k.as_str(), json_to_lua(lua, item)?)?;
            }
            Value::Table(t)
        }
    })
}

/// Why a Lua value has no JSON form.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("nesting deeper than {MAX_DEPTH} levels (or a cycle)")]
    TooDeep,
    /// NaN or an infinity.
    #[error("cannot encode {}", format_number(*.0))]
    NotFinite(f64),
    #[error("cannot encode a string that is not UTF-8")]
    StringNotUtf8,
    #[error("cannot encode a {0}")]
    Type(&'static str),
    #[error("cannot encode a key that is not UTF-8")]
    KeyNotUtf8,
    #[error("cannot encode a table key of type {0}")]
    KeyType(&'static str),
    /// Reading the table failed.
    #[error(transparent)]
    Lua(#[from] LuaError),
}

pub fn lua_to_json(v: &Value) -> Result<Json, EncodeError> {
    to_json(v, 0)
}

fn to_json(v: &Value, depth: usize) -> Result<Json, EncodeError> {
    if depth > MAX_DEPTH {
        return Err(EncodeError::TooDeep);
    }
    Ok(match v {
        Value::Nil => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => Json::Number((*i).into()),
        Value::Number(x) => Json::Number(Number::from_f64(*x).ok_or(EncodeError::NotFinite(*x))?),
        Value::String(s) => Json::String(s.to_str().map_err(|_| EncodeError::StringNotUtf8)?.to_string()),
        Value::Table(t) => table_to_json(t, depth)?,
        other => return Err(EncodeError::Type(type_name(other))),
    })
}

fn table_to_json(t: &Table, depth: usize) -> Result<Json, EncodeError> {
    let len = t.raw_len();
    let mut entries: Vec<(Value, Value)> = Vec::new();
    for pair in t.pairs::<Value, Value>() {
        entries.push(pair.map_err(LuaError::from)?);
    }
    if len > 0 && entries.len() == len {
        let mut items = Vec::with_capacity(len);
        for i in 1..=len {
            let item: Value = t.raw_get(i).map_err(LuaError::from)?;
            items.push(to_json(&item, depth + 1)?);
        }
        return Ok(Json::Array(items));
    }
    let mut map = Map::new();
    for (k, v) in entries {
        let key = match &k {
            Value::String(s) => s.to_str().map_err(|_| EncodeError::KeyNotUtf8)?.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Number(x) => format_number(*x),
            other => return Err(EncodeError::KeyType(type_name(other))),
        };
        map.insert(key, to_json(&v, depth + 1)?);
    }
    Ok(Json::Object(map))
}
