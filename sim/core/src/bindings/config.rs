//! `Config.get("a.b.c")`: a dot-notation read of the device configuration (the scenario's
//! `config:` tree, changed by `config` steps). A missing path gives nil.

use super::convert::json_to_lua;
use super::{function, global_table, Args, BindResult, Binding};
use crate::device::with_world;
use mlua::{Lua, Value};

pub const BINDING: Binding = Binding { name: "Config", module: None, lean: false, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(lua, "Config", vec![("get", function(lua, "get", get)?)])?;
    Ok(())
}

fn get(lua: &Lua, args: Args) -> BindResult<Value> {
    let path = args.string(1)?;
    match with_world(lua, |w| w.config_get(&path)) {
        Some(value) => Ok(json_to_lua(lua, &value)?),
        None => Ok(Value::Nil),
    }
}
