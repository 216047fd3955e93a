//! The sleepy-task persister (`lua/persist/persist.c`, Lua 5.4 only) as Lua functions.
//!
//! The C code writes the graph reachable from a suspended task into a byte image and reads it
//! back into a fresh state: see `docs/sleepy-tasks.md`. This module only hands its four entry
//! points to a state; the runtime decides when a device sleeps with its tasks.

use mlua::{Function, Lua, Result};

mod ffi {
    use mlua::ffi::lua_State;
    use std::os::raw::c_int;

    extern "C-unwind" {
        pub fn luasim_permanents(state: *mut lua_State) -> c_int;
        pub fn luasim_persist(state: *mut lua_State) -> c_int;
        pub fn luasim_unpersist(state: *mut lua_State) -> c_int;
        pub fn luasim_upvalue(state: *mut lua_State) -> c_int;
    }
}

/// The persister's entry points in one state.
#[derive(Clone)]
pub struct Persister {
    /// `permanents() -> ctx`: the context of this state, built from `_G` before any script runs.
    pub permanents: Function,
    /// `persist(ctx, chunks, task) -> image`, or an error naming the path of what cannot persist.
    pub persist: Function,
    /// `unpersist(ctx, chunks, image) -> task`.
    pub unpersist: Function,
    /// `upvalue(f, name) -> value`.
    pub upvalue: Function,
}

impl Persister {
    pub fn new(lua: &Lua) -> Result<Persister> {
        // SAFETY: the four functions follow the lua_CFunction protocol (they check their
        // arguments and raise Lua errors, never unwind otherwise) and were compiled against the
        // very Lua sources this state runs on (sim/core/build.rs).
        unsafe {
            Ok(Persister {
                permanents: lua.create_c_function(ffi::luasim_permanents)?,
                persist: lua.create_c_function(ffi::luasim_persist)?,
                unpersist: lua.create_c_function(ffi::luasim_unpersist)?,
                upvalue: lua.create_c_function(ffi::luasim_upvalue)?,
            })
        }
    }
}
