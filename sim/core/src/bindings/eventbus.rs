//! `EventBus.subscribe(event, fn)`: firmware events (`sensor.temperature`, ...) call
//! `fn(data)` with the event's data table.

use super::{function, global_table, subscribe, Args, BindResult, Binding};
use crate::world::Listener;
use mlua::Lua;

pub const BINDING: Binding = Binding { name: "EventBus", module: None, lean: false, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(lua, "EventBus", vec![("subscribe", function(lua, "subscribe", subscribe_event)?)])?;
    Ok(())
}

fn subscribe_event(lua: &Lua, args: Args) -> BindResult<bool> {
    let event = args.string(1)?;
    let f = args.function(2)?;
    subscribe(lua, Listener::EventBus { event }, f)?;
    Ok(true)
}
