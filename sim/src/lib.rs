//! luasim: a deterministic host-side simulator for Lua scripts on ESP32 firmware.
//!
//! The core (`world`) owns virtual time, the rtos queue and the timer pool and does no I/O; the
//! `runtime` runs the very same `sys.lua` and device scripts as the firmware in sandboxed Lua
//! states on top of it; `scenario` loads what to run and `expect` judges the trace. The
//! `luasim` binary is a thin command line over this library.

pub mod bench;
pub mod bindings;
pub mod check;
pub mod contract;
pub mod expect;
pub mod export;
pub mod hostlimit;
pub mod pack;
pub mod profile;
pub mod runtime;
pub mod scenario;
pub mod suggest;
pub mod suite;
pub mod summary;
pub mod time;
pub mod trace;
pub mod tracefile;
pub mod tui;
pub mod vfs;
pub mod world;

/// The Lua binding the device states are built with, for tools that inspect one
/// (`runtime::with_fresh_state`).
pub use mlua;
