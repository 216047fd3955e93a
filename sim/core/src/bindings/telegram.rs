//! `Telegram.send(chat_id, text)` and `Telegram.broadcast(text)`, captured in the trace.
//! Optional: present only when the build has the `telegram` module, otherwise `Telegram` is nil.

use super::{function, global_table, Args, BindResult, Binding};
use crate::device::with_world;
use crate::trace::EventKind;
use mlua::Lua;

pub const BINDING: Binding =
    Binding { name: "Telegram", module: Some("telegram"), lean: false, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(
        lua,
        "Telegram",
        vec![("send", function(lua, "send", send)?), ("broadcast", function(lua, "broadcast", broadcast)?)],
    )?;
    Ok(())
}

fn send(lua: &Lua, args: Args) -> BindResult<bool> {
    let to = args.string(1)?;
    let text = args.string(2)?;
    with_world(lua, |w| w.record(EventKind::Telegram { to, text }));
    Ok(true)
}

fn broadcast(lua: &Lua, args: Args) -> BindResult<bool> {
    let text = args.string(1)?;
    with_world(lua, |w| w.record(EventKind::Telegram { to: "broadcast".into(), text }));
    Ok(true)
}
