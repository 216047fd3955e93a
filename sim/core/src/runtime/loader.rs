//! Compiles Lua source the way the device does: fed to the parser through a reader in 256-byte
//! pieces, text only (binary chunks are refused), with the device path as chunk name.
//!
//! The reader is a `lua_Reader` like the firmware's, handing `lua_load` the same pieces.
//!
//! Each distinct source is parsed this way once per run; its bytecode is then kept by the host
//! and later boots and reloads load that instead, which halves the cost of a wake-up. Parsing
//! is deterministic, so scripts cannot tell the difference. The heap could: the device parses
//! at every boot, and its parser leaves garbage (its table of constants, buffers) and reaches a
//! peak that loading bytecode does not. So the first parse's cost is kept with the bytecode
//! (`ParseCost`), and a load from bytecode makes up the difference: the garbage the parse left
//! as one userdata of its size, its peak as the peak (`replay_parse`). A parse that would not fit
//! in the heap is made for real, so it fails where the device's does.

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

/// A chunk compiled earlier in the run (`Device::cached_chunk`).
pub struct CompiledChunk {
    bytecode: Vec<u8>,
    parse: Option<ParseCost>,
}

/// What parsing a chunk cost the device heap, above the level it started from: what was still
/// in use after it (the chunk and the parser's garbage) and the most in use during it.
#[derive(Clone, Copy)]
struct ParseCost {
    kept: usize,
    peak: usize,
}

/// Device bytes of the header of a full userdata without user values (`Udata0`: 16 on the
/// device, 32 here): the garbage is made up as one such userdata, whose bytes Lua neither fills
/// nor reads; less garbage than this is not made up.
const USERDATA_HEADER: usize = 16;

/// Compiles `source` named `chunk_name` (e.g. `@/scripts/main.lua`). Returns the chunk, or the
/// parser's message (`/scripts/main.lua:3: ...`) as `Err`.
pub fn compile(
    lua: &Lua,
    source: &[u8],
    chunk_name: &str,
    env: Option<Table>,
) -> Result<std::result::Result<Function, CompileError>> {
    let start = heap::start_load(lua);
    let before = heap::peaks(lua);
    let device = device(lua);
    let cached = device.cached_chunk(chunk_name, source).filter(|c| fits(lua, start, c.parse));
    let compiled = match &cached {
        Some(cached) => Ok(load_binary(lua, &cached.bytecode, chunk_name, env)?),
        None => parse_in_pieces(lua, source, chunk_name, env)?,
    };
    let Ok(chunk) = &compiled else { return Ok(compiled) };
    proto_arrays::rebook(lua, chunk, before);
    note_code_lines(lua, chunk, chunk_name);
    match (cached, start) {
        (Some(cached), Some(start)) => replay_parse(lua, start, cached.parse)?,
        (Some(_), None) => {}
        (None, start) => {
            let parse = start.map(|start| {
                let (used, peak) = heap::load_peak(lua);
                ParseCost { kept: used.saturating_sub(start), peak: peak.saturating_sub(start) }
            });
            device.keep_chunk(chunk_name, source, CompiledChunk { bytecode: chunk.dump(false), parse });
        }
    }
    Ok(compiled)
}

/// Whether the parse a cached chunk stands for fits in the heap from `start` on: the device
/// would run out of memory in it otherwise, so the simulator parses for real.
fn fits(lua: &Lua, start: Option<usize>, parse: Option<ParseCost>) -> bool {
    match (start, parse) {
        (Some(start), Some(parse)) => start.saturating_add(parse.peak) <= heap::limit(lua),
        _ => true,
    }
}

/// After a load from bytecode that started at `start` device bytes: the garbage the device's
/// parse would have left beyond what this load keeps, as one userdata let go at once (the
/// collector frees it when it would have freed the parser's), and the parse's peak.
fn replay_parse(lua: &Lua, start: usize, parse: Option<ParseCost>) -> Result<()> {
    let Some(parse) = parse else { return Ok(()) };
    let (used, _) = heap::load_peak(lua);
    let garbage = (start + parse.kept).saturating_sub(used);
    if garbage >= USERDATA_HEADER {
        let size = garbage - USERDATA_HEADER;
        // SAFETY: pushes one userdata and pops it: it is garbage at once, and nothing reads its
        // bytes. A memory error `longjmp`s over this closure, which holds nothing with a
        // destructor.
        heap::with_device_userdata(lua, || unsafe {
            lua.exec_raw::<()>((), |state| {
                #[cfg(not(feature = "lua53"))]
                ffi::lua_newuserdatauv(state, size, 0);
                #[cfg(feature = "lua53")]
                ffi::lua_newuserdata(state, size);
                ffi::lua_pop(state, 1);
            })
        })?;
    }
    heap::reach(lua, start + parse.peak);
    Ok(())
}

/// Loads `bytecode` (this run's own `lua_dump`) as the chunk `chunk_name`, with `env` as its
/// first upvalue when given.
fn load_binary(lua: &Lua, bytecode: &[u8], chunk_name: &str, env: Option<Table>) -> Result<Function> {
    let chunk = lua.load(bytecode).set_name(chunk_name).set_mode(ChunkMode::Binary);
    match env {
        Some(env) => chunk.set_environment(env),
        None => chunk,
    }
    .into_function()
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
