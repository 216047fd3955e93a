//! Lua's registry hash part booked at the size the device's has.
//!
//! mlua keeps entries of its own in the registry under light userdata keys (its state data,
//! its error and userdata metatables, set by `lua_rawsetp`), and so does the simulator for what
//! only it needs (`runtime::sandbox`). The device has none of them (the firmware keeps nothing
//! under a light userdata), so the simulator's registry grew a hash part the device's never has:
//! 32 nodes where the device's has 8, 576 bytes at every boot. The allocator books the hash part
//! at the node count the device's keys give whenever Lua replaces it
//! (`Accounts::settle_registry`, which looks for a new hash part in the few allocator calls
//! after a block of a hash part's size is made). The array part is booked as it is: past mlua's two slots it
//! holds the simulator's references (`luaL_ref`) to values the firmware keeps in tables of its
//! own. Lua 5.4 only: `registry.c` reads its `Table`.

use mlua::ffi::lua_State;
use std::ffi::c_void;

/// Bytes of a hash node, the same on both (`docs/memory.md`).
const NODE_BYTES: usize = 24;

#[cfg(feature = "lua54")]
extern "C" {
    fn luasim_registry_nodes(state: *mut lua_State) -> *mut c_void;
    fn luasim_registry_device_keys(state: *mut lua_State) -> std::ffi::c_uint;
}

/// Whether a new untagged block of `bytes` could be a hash part (a power of two of nodes).
pub fn could_be_nodes(bytes: usize) -> bool {
    bytes.is_multiple_of(NODE_BYTES) && (bytes / NODE_BYTES).is_power_of_two()
}

/// The registry's hash part now: null while it has none, or where the layout is not known.
///
/// # Safety
/// `state` is a live thread whose registry is not being resized or freed (true between Lua
/// operations, and inside an allocator call of a state that is not closing).
pub unsafe fn nodes(state: *mut lua_State) -> *mut c_void {
    #[cfg(feature = "lua54")]
    // SAFETY: the caller's promise.
    return unsafe { luasim_registry_nodes(state) };
    #[cfg(not(feature = "lua54"))]
    {
        let _ = state;
        std::ptr::null_mut()
    }
}

/// Device bytes of the registry's hash part now: Lua sizes a hash part to the next power of
/// two of its keys (none at all for no key: the static dummy node), and the device's keys are
/// all but the light userdata.
///
/// # Safety
/// As for `nodes`.
pub unsafe fn device_node_bytes(state: *mut lua_State) -> usize {
    #[cfg(feature = "lua54")]
    // SAFETY: the caller's promise.
    let keys = unsafe { luasim_registry_device_keys(state) } as usize;
    #[cfg(not(feature = "lua54"))]
    let keys = {
        let _ = state;
        0usize
    };
    if keys == 0 {
        0
    } else {
        keys.next_power_of_two() * NODE_BYTES
    }
}

#[cfg(all(test, feature = "lua54"))]
mod tests {
    use crate::memory::{bare_state, device_heap, settle_registry};
    use mlua::{ffi, Lua};
    use std::ffi::c_void;

    /// Sets `registry[key] = true` for each key: light userdata, or a string with `named`.
    fn set_keys(lua: &Lua, keys: &'static [u8], named: Option<&'static std::ffi::CStr>) {
        // SAFETY: pushes one value at a time and pops it into the registry, a table without a
        // metatable; nothing with a destructor is live if a memory error `longjmp`s.
        unsafe {
            lua.exec_raw::<()>((), |l| {
                for key in keys {
                    ffi::lua_pushboolean(l, 1);
                    match named {
                        Some(name) => ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, name.as_ptr()),
                        None => ffi::lua_rawsetp(l, ffi::LUA_REGISTRYINDEX, key as *const u8 as *const c_void),
                    }
                }
            })
        }
        .unwrap();
    }

    #[test]
    fn host_keys_grow_the_registry_but_book_nothing_and_device_keys_book_its_nodes() {
        static HOST: [u8; 100] = [0; 100];
        let state = bare_state(1 << 20).unwrap();
        let lua = &state.lua;
        set_keys(lua, &HOST[..1], None);
        settle_registry(lua);
        let before = device_heap(lua).0;
        // 100 host keys replace the hash part twice over (128 nodes here), none on the device
        set_keys(lua, &HOST, None);
        assert_eq!(device_heap(lua).0, before);
        // one device key: its interned name (16 + 6 + 1 bytes) and the device's hash part
        // going from 1 node (`_LOADED`) to 2
        set_keys(lua, &HOST[..1], Some(c"device"));
        settle_registry(lua);
        assert_eq!(device_heap(lua).0, before + 23 + 24);
    }
}
