//! A Lua state that owns its memory: made by `lua_newstate` on the device allocator
//! (`DeviceHeap`), wrapped by mlua, and closed before its accounts go. Every device state and
//! every mock state of the project's modules is one.

use super::DeviceHeap;
use mlua::Lua;
use std::mem::ManuallyDrop;

/// A device Lua state with its heap accounts. The state is made by `bare_state` and
/// wrapped by mlua, which does not close states it did not make: dropping this closes it, then
/// the accounts its allocator uses go.
pub struct DeviceState {
    pub lua: ManuallyDrop<Lua>,
    main: *mut mlua::ffi::lua_State,
    heap: DeviceHeap,
}

impl Drop for DeviceState {
    fn drop(&mut self) {
        self.heap.closing();
        // What mlua does before closing a state of its own; its finalizers run in this order.
        let _ = self.lua.gc_collect();
        // SAFETY: `self.lua` is not used again. Handles to the state are weak
        // (`Device::add_state`) or temporaries within a callback, so it is the last wrapper but
        // the one mlua keeps inside the state, which goes with the state. `main` is the state
        // `bare_state` made, open until here, and no Lua runs; the accounts drop after this body.
        unsafe {
            ManuallyDrop::drop(&mut self.lua);
            mlua::ffi::lua_close(self.main);
        }
    }
}

/// A state with the base library only, on its own arena and heap accounts (`memory`), limited
/// to `heap_limit` device bytes: what every device state and every mock state starts from.
/// The caller opens the other libraries: the wrapper allows `debug` and C modules, so it must
/// not open `debug` or `package` without taking away what reaches the host.
pub fn bare_state(heap_limit: usize) -> mlua::Result<DeviceState> {
    // SAFETY: `DeviceState` closes the state in its `Drop` before its `heap` field goes.
    let (heap, main) = unsafe { DeviceHeap::new_state(heap_limit) }.map_err(|e| mlua::Error::runtime(e.to_string()))?;
    // SAFETY: `main` is a fresh state. Opening the base library raises only on running out of
    // host memory, as in mlua's own constructor; the wrapper is unsafe because it allows
    // `debug` and C modules: device states open `debug` for `debug.traceback` only and the
    // sandbox removes the rest of it, and `package.loadlib`/`cpath`, before any script runs;
    // mock states open neither.
    let lua = unsafe {
        mlua::ffi::luaL_requiref(main, c"_G".as_ptr(), mlua::ffi::luaopen_base, 1);
        mlua::ffi::lua_pop(main, 1);
        Lua::get_or_init_from_ptr(main).clone()
    };
    heap.start(&lua);
    // From here on the state closes before its accounts go, on errors too.
    Ok(DeviceState { lua: ManuallyDrop::new(lua), main, heap })
}
