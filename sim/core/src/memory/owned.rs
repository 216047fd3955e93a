//! A Lua state that owns its memory: made by `lua_newstate` on the device allocator
//! (`DeviceHeap`), wrapped by mlua, and closed before its accounts go. Every device state and
//! every mock state of the project's modules is one.

use super::DeviceHeap;
use mlua::{ffi, Lua};
use std::any::Any;
use std::ffi::c_void;
use std::mem::ManuallyDrop;

/// A device Lua state with its heap accounts. The state is made by `bare_state` and
/// wrapped by mlua, which does not close states it did not make: dropping this closes it, then
/// the accounts its allocator uses go.
pub struct DeviceState {
    pub lua: ManuallyDrop<Lua>,
    main: *mut mlua::ffi::lua_State,
    heap: DeviceHeap,
    /// What the state's C functions reach without mlua (`set_context`); goes after the state.
    context: Option<Box<Box<dyn Any>>>,
}

impl DeviceState {
    /// Gives the state's C functions `value` (`context`), until the state is closed. The main
    /// thread's extra space (`lua_getextraspace`, which mlua leaves alone) points at it.
    pub fn set_context<T: Any>(&mut self, value: T) {
        let boxed: Box<Box<dyn Any>> = Box::new(Box::new(value));
        let at = &*boxed as *const Box<dyn Any> as *mut c_void;
        // SAFETY: `main` is open (closed only in `drop`); its extra space is a pointer's room
        // that Lua only copies into new threads. The box stays in `self.context` until the
        // state is closed, so the pointer is valid while any C function of the state runs.
        unsafe { *(ffi::lua_getextraspace(self.main) as *mut *mut c_void) = at };
        self.context = Some(boxed);
    }
}

/// The value `DeviceState::set_context` gave the state of the running thread `state`, if it is
/// a `T`.
///
/// # Safety
/// `state` is a live thread of a state made by `bare_state`, running one of its C functions.
pub unsafe fn context<'a, T: Any>(state: *mut ffi::lua_State) -> Option<&'a T> {
    // SAFETY: `state` is live (the caller's promise); pushing the main thread from the registry
    // allocates nothing and the C function has `LUA_MINSTACK` slots. `bare_state` nulled the
    // main thread's extra space, so it is null or points at the context box, which lives
    // until the state is closed, after every C function of it has returned.
    unsafe {
        ffi::lua_rawgeti(state, ffi::LUA_REGISTRYINDEX, ffi::LUA_RIDX_MAINTHREAD);
        let main = ffi::lua_tothread(state, -1);
        ffi::lua_pop(state, 1);
        let at = *(ffi::lua_getextraspace(main) as *const *const Box<dyn Any>);
        at.as_ref().and_then(|b| b.downcast_ref::<T>())
    }
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
    // SAFETY: `main` is a fresh state with no other thread yet; its extra space is a pointer's
    // room, null until `set_context` (threads made later copy it).
    unsafe { *(ffi::lua_getextraspace(main) as *mut *mut c_void) = std::ptr::null_mut() };
    // SAFETY: `main` is a fresh state. Opening the base library raises only on running out of
    // host memory, as in mlua's own constructor; the wrapper is unsafe because it allows
    // `debug` and C modules: device states open `debug` for `debug.traceback` only and the
    // sandbox removes the rest of it, and `package.loadlib`/`cpath`, before any script runs;
    // mock states open neither.
    let lua = unsafe {
        mlua::ffi::luaL_requiref(main, c"_G".as_ptr(), mlua::ffi::luaopen_base, 1);
        mlua::ffi::lua_pop(main, 1);
        heap.wrapper_begins();
        Lua::get_or_init_from_ptr(main).clone()
    };
    heap.start(&lua);
    // From here on the state closes before its accounts go, on errors too.
    Ok(DeviceState { lua: ManuallyDrop::new(lua), main, heap, context: None })
}
