//! Lua 5.4's internal layouts that the simulator reads, mirroring `lobject.h`: a Lua closure up
//! to its prototype, and the prototype tree with its line information. Only Lua 5.4 builds
//! read them (`cfg!(feature = "lua54")`); their sizes are checked against what Lua allocates
//! (`memory::proto_arrays`).

use std::ffi::{c_int, c_void};

/// `LClosure` up to its prototype.
#[repr(C)]
pub struct LClosure {
    next: *const c_void,
    tt: u8,
    marked: u8,
    nupvalues: u8,
    gclist: *const c_void,
    pub p: *const Proto,
}

#[repr(C)]
pub struct Proto {
    pub next: *const c_void,
    pub tt: u8,
    pub marked: u8,
    pub numparams: u8,
    pub is_vararg: u8,
    pub maxstacksize: u8,
    pub sizeupvalues: c_int,
    pub sizek: c_int,
    pub sizecode: c_int,
    pub sizelineinfo: c_int,
    pub sizep: c_int,
    pub sizelocvars: c_int,
    pub sizeabslineinfo: c_int,
    pub linedefined: c_int,
    pub lastlinedefined: c_int,
    pub k: *const c_void,
    pub code: *const c_void,
    pub p: *const *const Proto,
    pub upvalues: *const c_void,
    pub lineinfo: *const c_void,
    pub abslineinfo: *const c_void,
    pub locvars: *const c_void,
    pub source: *const c_void,
    pub gclist: *const c_void,
}

/// `AbsLineInfo`: an absolute line for the instruction at `pc`.
#[repr(C)]
struct AbsLineInfo {
    pc: c_int,
    line: c_int,
}

/// `ABSLINEINFO`: the `lineinfo` entry that means "see `abslineinfo`".
const ABSLINEINFO: i8 = -0x80;

/// The lines of `proto` that have code, as Lua's `debug.getinfo(f, "L").activelines` lists them
/// (`collectvalidlines` in `ldebug.c`), and those of every nested prototype.
///
/// # Safety
/// `proto` is a live Lua 5.4 prototype laid out as `Proto`, with `lineinfo`, `abslineinfo` and
/// `p` arrays of the sizes it states, and the tree is neither changed nor collected meanwhile
/// (the caller holds its closure and runs no Lua).
pub unsafe fn active_lines(proto: &Proto, lines: &mut Vec<u32>) {
    if !proto.lineinfo.is_null() {
        let deltas = proto.lineinfo as *const i8;
        let absolute = proto.abslineinfo as *const AbsLineInfo;
        let mut line = proto.linedefined;
        for pc in 0..proto.sizelineinfo.max(0) {
            // SAFETY: `pc < sizelineinfo`, the length of the live `lineinfo` array.
            let delta = unsafe { *deltas.add(pc as usize) };
            line = if delta != ABSLINEINFO {
                line + c_int::from(delta)
            } else {
                // SAFETY: `abslineinfo` holds `sizeabslineinfo` entries; an ABSLINEINFO mark
                // always has its entry there (`savelineinfo` in `lcode.c`).
                let entries = unsafe { std::slice::from_raw_parts(absolute, proto.sizeabslineinfo.max(0) as usize) };
                entries.iter().find(|e| e.pc == pc).map_or(line, |e| e.line)
            };
            // A vararg function's first instruction (OP_VARARGPREP) has no line of its own.
            if !(pc == 0 && proto.is_vararg != 0) && line > 0 {
                lines.push(line as u32);
            }
        }
    }
    for i in 0..proto.sizep.max(0) as usize {
        // SAFETY: `i < sizep`, the length of the live `p` array.
        let nested = unsafe { *proto.p.add(i) };
        if !nested.is_null() {
            // SAFETY: a nested prototype of the same live tree, kept alive by its parent.
            unsafe { active_lines(&*nested, lines) };
        }
    }
}

/// The prototype of `f` when it is a Lua function (not a C one) on a Lua 5.4 build; it lives
/// as long as `f`.
pub fn prototype(f: &mlua::Function) -> Option<*const Proto> {
    if !cfg!(feature = "lua54") || f.info().what == "C" {
        return None;
    }
    let closure = f.to_pointer() as *const LClosure;
    if closure.is_null() {
        return None;
    }
    // SAFETY: on a Lua 5.4 build the pointer of a Lua function is its `LClosure`, laid out as
    // above, alive while the caller holds `f`.
    Some(unsafe { (*closure).p })
}
