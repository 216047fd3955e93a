//! Compiles Lua source the way the device does: fed to the parser through a reader in 256-byte
//! pieces, text only (binary chunks are refused), with the device path as chunk name.
//!
//! Lua's own `load` accepts a reader function; the pieces it is given are exactly what the
//! firmware's C `lua_Reader` hands to `lua_load`. The original `load` is kept in the registry
//! before the sandbox replaces the global one.

use mlua::{Function, Lua, Result, Table, Value};
use std::cell::Cell;

/// Bytes the device's reader hands to the parser at a time.
pub const READER_PIECE: usize = 256;

const LOAD_KEY: &str = "luasim.load";

/// Remembers Lua's `load`; call once, before the sandbox runs.
pub fn keep_original_load(lua: &Lua) -> Result<()> {
    let load: Function = lua.globals().get("load")?;
    lua.set_named_registry_value(LOAD_KEY, load)
}

/// Compiles `source` named `chunk_name` (e.g. `@/scripts/main.lua`). Returns the chunk, or the
/// parser's message (`/scripts/main.lua:3: ...`) as `Err(String)`.
pub fn compile(
    lua: &Lua,
    source: &[u8],
    chunk_name: &str,
    env: Option<Table>,
) -> Result<std::result::Result<Function, String>> {
    let load: Function = lua.named_registry_value(LOAD_KEY)?;
    let source = source.to_vec();
    let offset = Cell::new(0usize);
    let reader = lua.create_function(move |lua, ()| {
        let start = offset.get();
        if start >= source.len() {
            return Ok(Value::Nil);
        }
        let end = (start + READER_PIECE).min(source.len());
        offset.set(end);
        Ok(Value::String(lua.create_string(&source[start..end])?))
    })?;
    // An explicit nil `env` would become the chunk's _ENV, so pass it only when given.
    let (chunk, message): (Option<Function>, Option<String>) = match env {
        Some(env) => load.call((reader, chunk_name, "t", env))?,
        None => load.call((reader, chunk_name, "t"))?,
    };
    Ok(chunk.ok_or_else(|| message.unwrap_or_else(|| "could not load".to_string())))
}
