//! luasim-core: the simulator itself, a deterministic model of the device for Lua scripts on
//! ESP32 firmware.
//!
//! The `world` owns virtual time, the rtos queue, the timer pool and the sleep region and does no
//! I/O; it is private to this crate, reached only through the `runtime`, which runs the very same
//! `sys.lua` and device scripts as the firmware in sandboxed Lua states on top of it. `scenario`
//! loads what to run, `trace` is what comes out, `expect` judges it. The linter (`luasim-check`),
//! the terminal timeline (`luasim-tui`) and the `luasim` binary are built on this crate.

pub mod apidoc;
pub mod bindings;
pub mod c_header;
pub mod contract;
pub mod device;
pub mod expect;
pub mod figures;
pub mod hostlimit;
pub mod literal;
mod lua54;
pub mod lua_error;
pub mod memory;
pub mod pack;
#[cfg(feature = "lua54")]
pub mod persist;
pub mod pool;
pub mod position;
pub mod profile;
pub mod project;
pub mod runtime;
pub mod scenario;
pub mod suggest;
pub mod summary;
pub mod time;
pub mod timeline;
pub mod trace;
pub mod tracefile;
pub mod vfs;
mod world;

/// The Lua binding the device states are built with, for tools that inspect one
/// (`runtime::with_fresh_state`).
pub use mlua;

/// The sleep region's byte format (`docs/sleep-region.md`) without a run: for the fuzzers and
/// tools that read or write an image.
pub mod sleep_region_image {
    pub use crate::world::sleep_region::{decode, encode, RtcValue};
}
