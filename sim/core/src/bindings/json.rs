//! `JSON.decode(text)` and `JSON.encode(value)`, parsed and printed by serde_json. Bad input
//! returns `nil, message` (never raises, never crashes); object keys are encoded sorted.

use super::convert::{json_to_lua, lua_to_json};
use super::{function, global_table, Args, BindResult, Binding};
use mlua::{Lua, MultiValue, Value};

pub const BINDING: Binding = Binding { name: "JSON", module: None, lean: false, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(
        lua,
        "JSON",
        vec![("decode", function(lua, "decode", decode)?), ("encode", function(lua, "encode", encode)?)],
    )?;
    Ok(())
}

fn failure(lua: &Lua, message: String) -> mlua::Result<MultiValue> {
    Ok(MultiValue::from_vec(vec![Value::Nil, Value::String(lua.create_string(message)?)]))
}

fn decode(lua: &Lua, args: Args) -> BindResult<MultiValue> {
    let text = args.string(1)?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) => Ok(MultiValue::from_vec(vec![json_to_lua(lua, &value)?])),
        Err(e) => Ok(failure(lua, format!("JSON.decode: {e}"))?),
    }
}

fn encode(lua: &Lua, args: Args) -> BindResult<MultiValue> {
    if args.is_empty() {
        return Err(args.error(1, "value expected"));
    }
    match lua_to_json(&args.get(1)) {
        Ok(json) => Ok(MultiValue::from_vec(vec![Value::String(lua.create_string(json.to_string())?)])),
        Err(message) => Ok(failure(lua, format!("JSON.encode: {message}"))?),
    }
}
