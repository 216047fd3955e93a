//! `Config.get("a.b.c")`: a dot-notation read of the device configuration (the scenario's
//! `config:` tree, changed by `config` steps). A missing path gives nil, and traces a
//! `W/config` line as `contract::config` says (a misspelt key is otherwise silent).

use super::convert::json_to_lua;
use super::{function, global_table, Args, BindResult, Binding};
use crate::contract::config::{MISSING_AFTER, MISSING_BEFORE, REMEMBERED};
use crate::device::with_world;
use crate::trace::{EventKind, Level};
use crate::world::sleep_region::crc32;
use mlua::{Lua, Value};

pub const BINDING: Binding = Binding { name: "Config", module: None, lean: false, simulator_only: false, install };

/// The missing keys this Lua state has warned about, by the CRC-32 of their path.
#[derive(Default)]
struct Warned(Vec<u32>);

fn install(lua: &Lua) -> mlua::Result<()> {
    lua.set_app_data(Warned::default());
    global_table(lua, "Config", vec![("get", function(lua, "get", get)?)])?;
    Ok(())
}

fn get(lua: &Lua, args: Args) -> BindResult<Value> {
    let path = args.string(1)?;
    match with_world(lua, |w| w.config_get(&path)) {
        Some(value) => Ok(json_to_lua(lua, &value)?),
        None => {
            if first_warning(lua, &args.bytes(1)?) {
                let text = format!("{MISSING_BEFORE}{path}{MISSING_AFTER}");
                with_world(lua, |w| {
                    w.record(EventKind::Log { level: Level::Warn, tag: "config".into(), text, bare: false })
                });
            }
            Ok(Value::Nil)
        }
    }
}

/// Whether a read of the missing `path` warns: the first of each remembered key, every read
/// once the state remembers `REMEMBERED` keys.
fn first_warning(lua: &Lua, path: &[u8]) -> bool {
    let crc = crc32(path);
    let Some(mut warned) = lua.app_data_mut::<Warned>() else { return true };
    if warned.0.contains(&crc) {
        return false;
    }
    if warned.0.len() < REMEMBERED {
        warned.0.push(crc);
    }
    true
}
