//! The host environment variables Lua's own library reads: `package` takes `LUA_PATH` and
//! `LUA_CPATH` (or their versioned names) from the process's environment when a state opens
//! it. The device has no environment, and a Lua developer's `LUA_PATH` changed the heap figures
//! (a longer `package.path` string, built differently). The binary removes them at start, while
//! it has one thread (`remove_from_process`).
//!
//! Setting `LUA_NOENV` in each state's registry (what `lua -E` does) would keep the states
//! themselves out of the environment, but one more registry key moved the registry's growth to
//! a moment that depends on where mlua's light-userdata keys hash, which address-space
//! randomisation decides: `pairs()` over table keys then changed from one process to another
//! (`tests/tests/key_order.rs` caught it).

/// The variables, for the Lua releases luasim builds.
pub const READ_BY_LUA: [&str; 8] = [
    "LUA_PATH",
    "LUA_PATH_5_3",
    "LUA_PATH_5_4",
    "LUA_PATH_5_5",
    "LUA_CPATH",
    "LUA_CPATH_5_3",
    "LUA_CPATH_5_4",
    "LUA_CPATH_5_5",
];

/// Removes them from this process's environment. Call it first thing in `main`, before any
/// thread starts: changing the environment races with threads that read it.
pub fn remove_from_process() {
    for name in READ_BY_LUA {
        std::env::remove_var(name);
    }
}
