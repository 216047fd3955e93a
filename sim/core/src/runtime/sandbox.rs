//! What a fresh device state hides from scripts, and the host functions that stand in for the
//! raw ones it keeps (`docs/security.md`).
//!
//! The standard libraries the firmware opens reach the host (files, processes, the host's time
//! zone, binary chunks, VM internals). The sandbox removes those names, leaves `debug` with only
//! `traceback`, and makes `package.loaded` hold exactly the trimmed libraries, so
//! `require("debug")` cannot hand the full library back. Lua's own `load` and `os.date` are kept
//! in the registry, out of every script's reach, and called only by two C functions that fix
//! their dangerous arguments: `text_load` (text chunks only) and `utc_date` (UTC, virtual
//! clock). No Lua function of the sandbox closes over a raw function, so even its upvalues lead
//! nowhere. `lua_sandbox.c` builds the very same surface.

use crate::bindings;
use mlua::{ffi, Function, Lua, Result, Table, Value};
use std::ffi::{c_int, c_void, CStr};

/// Names scripts must not reach: host files, processes, environment, binary chunks, VM
/// internals. `debug` comes back holding only `traceback`.
pub const REMOVED: &[&str] = &[
    "io",
    "debug",
    "dofile",
    "loadfile",
    "os.execute",
    "os.exit",
    "os.getenv",
    "os.remove",
    "os.rename",
    "os.setlocale",
    "os.tmpname",
    "string.dump",
    "package.cpath",
    "package.loadlib",
    "package.path",
    "package.searchers",
    "package.searchpath",
];

/// Registry slots of Lua's `load` and `os.date`, for the stand-ins: the firmware's names.
const RAW_LOAD: &CStr = c"luasim.raw_load";
const RAW_DATE: &CStr = c"luasim.raw_date";
/// Registry slots of what only the simulator needs, the virtual `os.time` binding (the
/// firmware's `os.date` calls its C function) and the Rust `native_load`: keyed by light
/// userdata, as mlua's own are, which the device's registry never has, so the registry is
/// booked without them (`memory::registry`).
static VIRTUAL_TIME: u8 = 0;
static NATIVE_LOAD: u8 = 0;

fn host_slot(key: &'static u8) -> *const c_void {
    key as *const u8 as *const c_void
}

/// Puts `value` in the registry under the host-only `key`.
fn set_host_slot(lua: &Lua, key: &'static u8, value: Function) -> Result<()> {
    // SAFETY: exec_raw hands over a stack holding `value` alone; `lua_rawsetp` pops it into
    // the registry (a table with no metatable). A memory error `longjmp`s over this closure,
    // which holds nothing with a destructor.
    unsafe { lua.exec_raw(value, |state| ffi::lua_rawsetp(state, ffi::LUA_REGISTRYINDEX, host_slot(key))) }
}

/// Hides everything `REMOVED` lists (the raw `load` and `os.date` go to the registry first),
/// puts back a `debug` holding only `traceback`, and makes every `package.loaded` entry the
/// global of the same name. Returns `debug.traceback` for the prelude.
pub fn enclose(lua: &Lua) -> Result<Function> {
    let globals = lua.globals();
    let traceback: Function = globals.get::<Table>("debug")?.get("traceback")?;
    lua.set_named_registry_value(&to_str(RAW_LOAD), globals.get::<Function>("load")?)?;
    lua.set_named_registry_value(&to_str(RAW_DATE), globals.get::<Table>("os")?.get::<Function>("date")?)?;
    remove_all(lua, &globals)?;
    let safe_debug = lua.create_table()?;
    safe_debug.set("traceback", traceback.clone())?;
    globals.set("debug", safe_debug)?;
    align_loaded(&globals)?;
    Ok(traceback)
}

/// After the bindings (the virtual `os.time` is in): `os.date` becomes `utc_date`. Returns
/// `text_load(chunk [, name [, env]])` for the prelude's `load`.
pub fn stand_ins(lua: &Lua) -> Result<Function> {
    let os: Table = lua.globals().get("os")?;
    set_host_slot(lua, &VIRTUAL_TIME, os.get::<Function>("time")?)?;
    // SAFETY: `utc_date` follows the C function protocol (its `# Safety` is exactly how Lua
    // calls a C function) and touches only its own frame and the registry slots set above.
    os.set("date", unsafe { lua.create_c_function(utc_date) }?)?;
    // SAFETY: as for `utc_date`; `text_load` reads the registry slot `enclose` set.
    unsafe { lua.create_c_function(text_load) }
}

/// The prelude's `native_load`: a light C function (as on the device) calling
/// `rust_native_load`, which stays in the registry, so neither it nor its upvalue is reachable
/// from any function a script holds.
pub fn native_load(lua: &Lua, rust_native_load: Function) -> Result<Function> {
    set_host_slot(lua, &NATIVE_LOAD, rust_native_load)?;
    // SAFETY: `forward_native_load` follows the C function protocol (its `# Safety` is exactly
    // how Lua calls a C function) and touches only its own frame and the slot set above.
    unsafe { lua.create_c_function(forward_native_load) }
}

fn to_str(key: &CStr) -> String {
    key.to_string_lossy().into_owned()
}

/// `package.loaded[name]` is the global `name` for every library (nil for one removed), so a
/// library comes back through `require` only as trimmed as its global.
fn align_loaded(globals: &Table) -> Result<()> {
    let Some(package) = globals.raw_get::<Option<Table>>("package")? else { return Ok(()) };
    let loaded: Table = package.raw_get("loaded")?;
    let names: Vec<Value> = loaded.pairs::<Value, Value>().map(|pair| pair.map(|(k, _)| k)).collect::<Result<_>>()?;
    for name in names {
        loaded.raw_set(name.clone(), globals.raw_get::<Value>(name)?)?;
    }
    Ok(())
}

/// Clears every `REMOVED` path, in one protected raw call (no metatables are set yet).
pub(super) fn remove_all(lua: &Lua, globals: &Table) -> Result<()> {
    let push = bindings::push_str;
    // SAFETY: works on the stack exec_raw hands over (the globals at 1), at most three slots
    // above it (exec_raw checked three), and leaves nothing. exec_raw runs it in a protected
    // call; a memory error `longjmp`s over this closure, which holds only borrowed `&str`s.
    unsafe {
        lua.exec_raw(globals, |state| {
            for path in REMOVED {
                match path.split_once('.') {
                    None => {
                        push(state, path);
                        ffi::lua_pushnil(state);
                        ffi::lua_rawset(state, 1);
                    }
                    Some((lib, field)) => {
                        push(state, lib);
                        if ffi::lua_rawget(state, 1) == ffi::LUA_TTABLE {
                            push(state, field);
                            ffi::lua_pushnil(state);
                            ffi::lua_rawset(state, -3);
                        }
                        ffi::lua_pop(state, 1);
                    }
                }
            }
            ffi::lua_settop(state, 0);
        })
    }
}

/// `text_load(chunk [, name [, env]])`: Lua's `load(chunk, name, "t" [, env])`. The mode is
/// always text, so no binary chunk is ever undumped, whether `chunk` is a string or a reader
/// function; `env` counts as given when present, even nil, as in `load`.
///
/// No Rust value with a destructor is live in here: Lua errors pass through by `longjmp`.
///
/// # Safety
/// Called only by Lua as a `lua_CFunction`: `state` is the running thread, with this call's
/// arguments on its stack and `LUA_MINSTACK` free slots above them.
unsafe extern "C-unwind" fn text_load(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: `state` is the live thread that called this C function (the caller's promise).
    // The frame never holds more than eight slots (three arguments after `lua_settop`, the raw
    // `load` and its four arguments), within the `LUA_MINSTACK` (20) Lua guarantees a C
    // function. The registry slot holds Lua's `load`, put there by `enclose`; were it missing,
    // `lua_call` would raise a Lua error, not misbehave.
    // Errors raised in here (by the called function, or out of memory) `longjmp` out of this
    // frame, which holds no Rust value with a destructor; a Rust panic in a called function
    // never crosses it (mlua turns it into a Lua error at its boundary).
    unsafe {
        let with_env = ffi::lua_gettop(state) >= 3;
        ffi::lua_settop(state, if with_env { 3 } else { 2 });
        ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, RAW_LOAD.as_ptr());
        ffi::lua_pushvalue(state, 1);
        ffi::lua_pushvalue(state, 2);
        ffi::lua_pushstring(state, c"t".as_ptr());
        if with_env {
            ffi::lua_pushvalue(state, 3);
        }
        ffi::lua_call(state, if with_env { 4 } else { 3 }, ffi::LUA_MULTRET);
        ffi::lua_gettop(state) - if with_env { 3 } else { 2 }
    }
}

/// Calls the registry's `native_load` with this call's arguments and returns its results.
///
/// # Safety
/// Called only by Lua as a `lua_CFunction`: `state` is the running thread, with this call's
/// arguments on its stack and `LUA_MINSTACK` free slots above them.
unsafe extern "C-unwind" fn forward_native_load(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: `state` is the live thread that called this C function (the caller's promise).
    // One slot is used above the arguments (the function), within the `LUA_MINSTACK` free
    // slots Lua guarantees a C function. The registry slot holds the Rust `native_load` put
    // there by `native_load`; were it missing, `lua_call` would raise a Lua error.
    // Errors raised in here (by the called function, or out of memory) `longjmp` out of this
    // frame, which holds no Rust value with a destructor; a Rust panic in a called function
    // never crosses it (mlua turns it into a Lua error at its boundary).
    unsafe {
        let nargs = ffi::lua_gettop(state);
        ffi::lua_rawgetp(state, ffi::LUA_REGISTRYINDEX, host_slot(&NATIVE_LOAD));
        ffi::lua_rotate(state, 1, 1);
        ffi::lua_call(state, nargs, ffi::LUA_MULTRET);
        ffi::lua_gettop(state)
    }
}

/// `os.date([format [, time]])` in UTC on the virtual clock: a format without a leading `!`
/// gets one (the device has no time zone), and `time` defaults to the virtual `os.time()`.
/// A format that is neither string nor number goes to Lua's `os.date` as it is, for its error.
///
/// # Safety
/// Called only by Lua as a `lua_CFunction`: `state` is the running thread, with this call's
/// arguments on its stack and `LUA_MINSTACK` free slots above them.
unsafe extern "C-unwind" fn utc_date(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: `state` is the live thread that called this C function (the caller's promise).
    // The frame never holds more than five slots (two arguments after `lua_settop`, the raw
    // `os.date`, the format and a `!` to concatenate), within the `LUA_MINSTACK` (20) Lua
    // guarantees a C function. The registry slots hold Lua's `os.date` (from `enclose`) and
    // the virtual `os.time` (from `stand_ins`); were one missing, `lua_call` would raise a
    // Lua error, not misbehave.
    // Errors raised in here (by the called function, or out of memory) `longjmp` out of this
    // frame, which holds no Rust value with a destructor; a Rust panic in a called function
    // never crosses it (mlua turns it into a Lua error at its boundary).
    unsafe {
        ffi::lua_settop(state, 2);
        ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, RAW_DATE.as_ptr());
        if ffi::lua_toboolean(state, 1) == 0 {
            ffi::lua_pushstring(state, c"!%c".as_ptr());
        } else {
            ffi::lua_pushvalue(state, 1);
            let t = ffi::lua_type(state, -1);
            if t == ffi::LUA_TSTRING || t == ffi::LUA_TNUMBER {
                // a string or number converts to a NUL-terminated string, so its first byte
                // can be read (it is the NUL for an empty one)
                let text = ffi::lua_tolstring(state, -1, std::ptr::null_mut());
                if *text != b'!' as std::ffi::c_char {
                    ffi::lua_pushstring(state, c"!".as_ptr());
                    ffi::lua_rotate(state, -2, 1);
                    ffi::lua_concat(state, 2);
                }
            }
        }
        if ffi::lua_toboolean(state, 2) == 0 {
            ffi::lua_rawgetp(state, ffi::LUA_REGISTRYINDEX, host_slot(&VIRTUAL_TIME));
            ffi::lua_call(state, 0, 1);
        } else {
            ffi::lua_pushvalue(state, 2);
        }
        ffi::lua_call(state, 2, ffi::LUA_MULTRET);
        ffi::lua_gettop(state) - 2
    }
}
