//! Function prototypes' arrays of pointer-sized entries, booked at their device size.
//!
//! A Lua 5.4 prototype keeps its nested prototypes (`p`, one pointer each), its local variables
//! (`locvars`: a name pointer and two ints) and its upvalue descriptions (`upvalues`: a name
//! pointer and three bytes) in arrays the parser and `lundump.c` allocate without a type tag,
//! so the heap wrapper books them at host size: 8, 16 and 16 bytes an entry against the
//! device's 4, 12 and 8. For `sys.lua` that was about 2 KB too much. After a chunk loads, this
//! walks its prototypes (the layouts below mirror Lua 5.4's `lobject.h`; their sizes are
//! checked against the sizes Lua allocates) and books those arrays at their device size.
//!
//! Only Lua 5.4 builds do this; with `lua53`/`lua55` the arrays stay at host size.

use super as heap;
use crate::lua54::{self, Proto};
use mlua::{Function, Lua};
use std::ffi::{c_int, c_void};

/// Host size of a `Proto` (what Lua 5.4 allocates for one; see memory/mod.rs's measured sizes).
pub const PROTO_HOST_BYTES: usize = 128;
const _: () = assert!(size_of::<Proto>() == PROTO_HOST_BYTES);

/// (host, device) bytes per entry of `p`, `locvars` and `upvalues`.
const NESTED: (usize, usize) = (8, 4);
const LOCVAR: (usize, usize) = (16, 12);
const UPVALDESC: (usize, usize) = (16, 8);

/// Books the pointer arrays of every prototype of `chunk` (a Lua function just loaded) at device size;
/// `before` are the heap peaks before the chunk was loaded (a peak reached while loading drops
/// with the correction).
pub fn rebook(lua: &Lua, chunk: &Function, before: heap::Peaks) {
    let Some(proto) = lua54::prototype(chunk) else { return };
    let mut blocks = Vec::new();
    // SAFETY: `prototype` gives the live Lua 5.4 prototype of `chunk`, laid out as `Proto`; its
    // tree lives as long as the function, which the caller holds, and no Lua code runs here.
    unsafe { collect(&*proto, &mut blocks) };
    heap::rebook(lua, &blocks, before);
}

/// Adds `(block, host bytes, device bytes)` of `proto`'s pointer arrays and its nested ones'.
///
/// # Safety
/// `proto` is a live Lua 5.4 prototype (so laid out as `Proto` above), its `p` array holds
/// `sizep` prototype pointers (each null or live), and the tree is not changed or collected
/// during the call (the caller holds the closure and runs no Lua meanwhile).
unsafe fn collect(proto: &Proto, blocks: &mut Vec<(*const c_void, usize, usize)>) {
    let mut add = |ptr: *const c_void, count: c_int, (host, device): (usize, usize)| {
        if !ptr.is_null() && count > 0 {
            blocks.push((ptr, count as usize * host, count as usize * device));
        }
    };
    add(proto.p as *const c_void, proto.sizep, NESTED);
    add(proto.locvars, proto.sizelocvars, LOCVAR);
    add(proto.upvalues, proto.sizeupvalues, UPVALDESC);
    for i in 0..proto.sizep.max(0) as usize {
        // SAFETY: `i < sizep`, the length of the live `p` array (the caller's promise).
        let nested = unsafe { *proto.p.add(i) };
        if !nested.is_null() {
            // SAFETY: a non-null entry of `p` is a nested prototype of the same live tree,
            // kept alive by its parent, so the promise holds for it too.
            unsafe { collect(&*nested, blocks) };
        }
    }
}
