//! Compiles Lua source the way the device does: fed to the parser through a reader in 256-byte
//! pieces, text only (binary chunks are refused), with the device path as chunk name.
//!
//! The reader is a `lua_Reader` like the firmware's, handing `lua_load` the same pieces.
//!
//! Each distinct source is parsed this way once per run; its bytecode is then kept by the host
//! and later boots and reloads load that instead, which halves the cost of a wake-up. Parsing
//! is deterministic, so scripts cannot tell the difference.

use crate::device::device;
use crate::lua54;
use crate::memory::{self as heap, proto_arrays};
use mlua::chunk::ChunkMode;
use mlua::{ffi, Function, Lua, Result, Table};
use std::ffi::{c_char, c_void, CString};

/// The parser's message for a source that does not compile (`/scripts/main.lua:3: ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    pub message: String,
}

/// Bytes the device's reader hands to the parser at a time.
pub const READER_PIECE: usize = 256;

/// Compiles `source` named `chunk_name` (e.g. `@/scripts/main.lua`). Returns the chunk, or the
/// parser's message (`/scripts/main.lua:3: ...`) as `Err`.
pub fn compile(
    lua: &Lua,
    source: &[u8],
    chunk_name: &str,
    env: Option<Table>,
) -> Result<std::result::Result<Function, CompileError>> {
    let before = heap::peaks(lua);
    let compiled = compile_or_reuse(lua, source, chunk_name, env)?;
    if let Ok(chunk) = &compiled {
        proto_arrays::rebook(lua, chunk, before);
        note_code_lines(lua, chunk, chunk_name);
    }
    Ok(compiled)
}

/// Loads a chunk from its bytecode (`lua_dump`'s, as a sleepy tasks' image carries it), booked
/// as a compiled one is: `Err` is the reader's message for bytes that are not a chunk. Only
/// sleepy states (Lua 5.4) read bytecode.
#[cfg(feature = "lua54")]
pub fn load_bytecode(lua: &Lua, code: &[u8], chunk_name: &str) -> Result<std::result::Result<Function, CompileError>> {
    let before = heap::peaks(lua);
    let chunk = match lua.load(code).set_name(chunk_name).set_mode(ChunkMode::Binary).into_function() {
        Ok(chunk) => chunk,
        Err(mlua::Error::SyntaxError { message, .. }) => return Ok(Err(CompileError { message })),
        Err(e) => return Err(e),
    };
    proto_arrays::rebook(lua, &chunk, before);
    note_code_lines(lua, &chunk, chunk_name);
    Ok(Ok(chunk))
}

/// For coverage: the lines of a script on the flash that have code, from its prototypes.
fn note_code_lines(lua: &Lua, chunk: &Function, chunk_name: &str) {
    let Some(file) = chunk_name.strip_prefix('@').filter(|f| f.starts_with('/')) else { return };
    let device = device(lua);
    if !device.covering() {
        return;
    }
    let Some(proto) = lua54::prototype(chunk) else { return };
    let mut lines = Vec::new();
    // SAFETY: `prototype` gives the live Lua 5.4 prototype of `chunk`, which the caller holds;
    // no Lua runs while its tree is read.
    unsafe { lua54::active_lines(&*proto, &mut lines) };
    device.with_coverage(|c| c.add_lines(file, &lines));
}

fn compile_or_reuse(
    lua: &Lua,
    source: &[u8],
    chunk_name: &str,
    env: Option<Table>,
) -> Result<std::result::Result<Function, CompileError>> {
    let device = device(lua);
    if let Some(bytecode) = device.cached_chunk(chunk_name, source) {
        let chunk = lua.load(&*bytecode).set_name(chunk_name).set_mode(ChunkMode::Binary);
        let chunk = match env {
            Some(env) => chunk.set_environment(env),
            None => chunk,
        };
        return Ok(Ok(chunk.into_function()?));
    }
    let compiled = parse_in_pieces(lua, source, chunk_name, env)?;
    if let Ok(chunk) = &compiled {
        device.keep_chunk(chunk_name, source, chunk.dump(false));
    }
    Ok(compiled)
}

/// Parses `source` exactly as the device would (same reader, text only) without running it, in
/// a bare state of its own: `Err` is the parser's message (`/scripts/rules.lua:3: ...`). For
/// `luasim check`.
pub fn syntax_check(source: &[u8], chunk_name: &str) -> Result<std::result::Result<(), CompileError>> {
    let lua = Lua::new();
    Ok(parse_in_pieces(&lua, source, chunk_name, None)?.map(|_| ()))
}

/// The device's `lua_Reader`: the source in 256-byte pieces, straight from host memory (no Lua
/// strings, so parsing makes the same garbage as on the device).
struct Pieces<'a> {
    source: &'a [u8],
    offset: usize,
}

///
/// # Safety
/// Called only by `lua_load` from `parse_in_pieces`, with the `Pieces` given to it as `ud`
/// and a writable `size`, as the `lua_Reader` contract says.
unsafe extern "C-unwind" fn next_piece(_: *mut ffi::lua_State, ud: *mut c_void, size: *mut usize) -> *const c_char {
    // SAFETY: `ud` is the `Pieces` on `parse_in_pieces`'s stack, alive for the whole
    // `lua_load`, and nothing else touches it while the reader runs.
    let pieces = unsafe { &mut *(ud as *mut Pieces) };
    let rest = &pieces.source[pieces.offset..];
    let n = rest.len().min(READER_PIECE);
    pieces.offset += n;
    // SAFETY: `lua_load` passes a valid place for the piece's length.
    unsafe { *size = n };
    // The piece points into `source`, which outlives `lua_load`; Lua reads it only until the
    // next call to the reader, as the contract allows.
    rest.as_ptr().cast()
}

/// Parses `source` through a reader that hands out 256-byte pieces, text only; with `env`, the
/// chunk's first upvalue (its `_ENV`) is set to it, as Lua's `load` does.
fn parse_in_pieces(
    lua: &Lua,
    source: &[u8],
    chunk_name: &str,
    env: Option<Table>,
) -> Result<std::result::Result<Function, CompileError>> {
    let name = CString::new(chunk_name).map_err(|_| mlua::Error::runtime("chunk name contains a NUL byte"))?;
    let mut pieces = Pieces { source, offset: 0 };
    let has_env = env.is_some();
    // SAFETY: the closure works on the stack exec_raw hands over (`env` or nil at 1) and leaves
    // the chunk, or nil and the message; it uses at most two slots of the three exec_raw
    // checked. exec_raw runs it in a protected call, and `lua_load` catches the parser's
    // errors itself, so no Lua error unwinds past `pieces` or `name`, which outlive the call.
    let (chunk, message): (Option<Function>, Option<String>) = unsafe {
        lua.exec_raw(env, |state| {
            let status = ffi::lua_load(
                state,
                next_piece,
                &mut pieces as *mut Pieces as *mut c_void,
                name.as_ptr(),
                c"t".as_ptr(),
            );
            if status != ffi::LUA_OK {
                ffi::lua_pushnil(state);
                ffi::lua_rotate(state, -2, 1);
            } else if has_env {
                ffi::lua_pushvalue(state, 1);
                if ffi::lua_setupvalue(state, -2, 1).is_null() {
                    ffi::lua_pop(state, 1);
                }
            }
            ffi::lua_remove(state, 1);
        })?
    };
    Ok(chunk.ok_or_else(|| CompileError { message: message.unwrap_or_else(|| "could not load".to_string()) }))
}
