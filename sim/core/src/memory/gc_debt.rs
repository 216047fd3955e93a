//! The collector paced in device bytes.
//!
//! Lua adds the size it asked the allocator for to the collector's debt after each call, and
//! starts collection steps when the debt turns positive, so in the simulator it ran on host
//! bytes and collected at other moments than the device, which reached other peaks. The
//! allocator (`device_alloc`) knows how far the device's sizes differ from the host's on every
//! call and adds the difference to the debt itself (`gc_debt.c`): Lua's running total is then
//! the device heap to the byte, `collectgarbage("count")` reports device bytes as on the
//! device, and the collector's algorithm is untouched. Lua 5.4 only: the correction reads its
//! `global_State`; other versions keep host pacing.

use mlua::ffi::lua_State;

#[cfg(feature = "lua54")]
extern "C" {
    fn luasim_gc_add_debt(state: *mut lua_State, delta: isize);
    fn luasim_gc_total(state: *mut lua_State) -> usize;
}

/// Makes Lua count `delta` more bytes in use (fewer when negative).
///
/// # Safety
/// `state` is a live thread of the state whose allocator books these bytes, and Lua is not
/// between reading and writing its debt (true inside an allocator call and between Lua calls).
pub unsafe fn add(state: *mut lua_State, delta: isize) {
    #[cfg(feature = "lua54")]
    // SAFETY: the caller's promise: `state` is live and its global state consistent.
    unsafe {
        luasim_gc_add_debt(state, delta)
    };
    #[cfg(not(feature = "lua54"))]
    let _ = (state, delta);
}

/// Makes Lua's running total `bytes`.
///
/// # Safety
/// As for `add`.
pub unsafe fn set_total(state: *mut lua_State, bytes: usize) {
    #[cfg(feature = "lua54")]
    // SAFETY: as in `add`.
    unsafe {
        let total = luasim_gc_total(state);
        luasim_gc_add_debt(state, bytes as isize - total as isize);
    }
    #[cfg(not(feature = "lua54"))]
    let _ = (state, bytes);
}
