//! `Log.info/warn/error(msg)`: the firmware's own logging binding (the boiler firmware's
//! surface), shown as `I/lua msg`. Extra arguments are joined with spaces like LuatOS's `log`.

use super::luatos_log::{line_in_heap, to_text};
use super::{function, global_table, Args, Binding};
use crate::device::with_world;
use crate::trace::{EventKind, Level};
use mlua::{Function, Lua};

pub const BINDING: Binding = Binding { name: "Log", module: None, lean: false, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    let tostring: Function = lua.globals().get("tostring")?;
    let mut fields = Vec::new();
    for (name, level) in [("info", Level::Info), ("warn", Level::Warn), ("error", Level::Error)] {
        let tostring = tostring.clone();
        fields.push((
            name,
            function(lua, name, move |lua, args: Args| {
                let first = args.string(1)?;
                let rest = args.rest(2).into_iter().map(|v| to_text(&tostring, v)).collect::<mlua::Result<Vec<_>>>()?;
                let text = std::iter::once(first).chain(rest).collect::<Vec<_>>().join(" ");
                line_in_heap(lua, level, "lua", &text)?;
                with_world(lua, |w| w.record(EventKind::Log { level, tag: "lua".into(), text, bare: false }));
                Ok(())
            })?,
        ));
    }
    global_table(lua, "Log", fields)?;
    Ok(())
}
