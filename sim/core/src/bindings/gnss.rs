//! `GNSS.lastFix()`: the last position fix as a table (`lat`, `lon`, and whatever else the
//! scenario's fix carries), or nil without a fix. Optional: needs the `gnss` module.

use super::convert::json_to_lua;
use super::{function, global_table, Args, BindResult, Binding};
use crate::device::with_world;
use mlua::{Lua, Value};

pub const BINDING: Binding =
    Binding { name: "GNSS", module: Some("gnss"), lean: false, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(lua, "GNSS", vec![("lastFix", function(lua, "lastFix", last_fix)?)])?;
    Ok(())
}

fn last_fix(lua: &Lua, _: Args) -> BindResult<Value> {
    match with_world(lua, |w| w.gnss_fix().cloned()) {
        Some(fix) => Ok(json_to_lua(lua, &fix)?),
        None => Ok(Value::Nil),
    }
}
