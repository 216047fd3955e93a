//! Compiles Lua source the way the device does: fed to the parser through a reader in 256-byte
//! pieces, text only (binary chunks are refused), with the device path as chunk name.
//!
//! Lua's own `load` accepts a reader function; the pieces it is given are exactly what the
//! firmware's C `lua_Reader` hands to `lua_load`. The original `load` is kept in the registry
//! before the sandbox replaces the global one.
//!
//! Each distinct source is parsed this way once per run; its bytecode is then kept by the host
//! and later boots and reloads load that instead, which halves the cost of a wake-up. Parsing
//! is deterministic, so scripts cannot tell the difference.

use super::host::host;
use mlua::chunk::ChunkMode;
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
    let host = host(lua);
    if let Some(bytecode) = host.cached_chunk(chunk_name, source) {
        let chunk = lua.load(bytecode).set_name(chunk_name).set_mode(ChunkMode::Binary);
        let chunk = match env {
            Some(env) => chunk.set_environment(env),
            None => chunk,
        };
        return Ok(Ok(chunk.into_function()?));
    }
    let compiled = parse_in_pieces(lua, source, chunk_name, env)?;
    if let Ok(chunk) = &compiled {
        host.keep_chunk(chunk_name, source, chunk.dump(false));
    }
    Ok(compiled)
}

/// Parses `source` exactly as the device would (same reader, text only) without running it, in
/// a bare state of its own: `Err` is the parser's message (`/scripts/rules.lua:3: ...`). For
/// `luasim check`.
pub fn syntax_check(source: &[u8], chunk_name: &str) -> Result<std::result::Result<(), String>> {
    let lua = Lua::new();
    keep_original_load(&lua)?;
    Ok(parse_in_pieces(&lua, source, chunk_name, None)?.map(|_| ()))
}

/// Parses `source` through a reader that hands out 256-byte pieces.
fn parse_in_pieces(
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
