//! Intentionally empty: this crate exists only so that Cargo.lock pins, and `cargo fetch`
//! downloads, the FreeRTOS-Kernel and Lua sources the QEMU firmware in `firmware-shim/` is built
//! from (see this crate's Cargo.toml). It has no code and is never linked into the simulator.
