//! Device-accurate Lua heap accounting: the lowest layer under the runtime and the bindings.
//!
//! A 64-bit host spends more bytes on the same Lua objects than the 32-bit device (pointers,
//! and the headers made of them). This allocator replaces mlua's: every block
//! is booked at its device size, the profile's heap limit is enforced on device bytes (Lua then
//! sees "not enough memory" exactly when the device would), and the peak is kept.
//!
//! How a host block maps to a device block (`docs/memory.md` has the method and its limits):
//! Lua 5.4 passes the object's type tag when it allocates a new object, and each object type
//! has a fixed header whose 64-bit and 32-bit sizes were measured by compiling Lua's own
//! headers for both targets. Other blocks (arrays of values, hash nodes, bytecode, buffers)
//! have the same size on both, except arrays of pointers, which are counted at host size.
//! Blocks of mlua's Rust callbacks (userdata, C closures) and of its set-up have no device
//! counterpart and are not counted, and the registry, where mlua keeps entries of its own, is
//! booked at the device's size (`registry`). The blocks themselves come from the state's `Pool`, every one of them from
//! `lua_newstate` on (`DeviceHeap::new_state`), so closing a state frees nothing block by block:
//! the pool goes as a whole.

mod arena;
mod call_info;
mod gc_debt;
mod owned;
mod pool;
pub mod proto_arrays;
mod registry;

pub use owned::{bare_state, context, DeviceState};

use mlua::ffi;
use mlua::Lua;
use pool::Pool;
use std::ffi::c_void;

// Lua 5.4 type variants (lobject.h), as passed in `osize` for new objects.
const VSHRSTR: usize = 4;
const VLNGSTR: usize = 4 | (1 << 4);
const VTABLE: usize = 5;
const VLCL: usize = 6;
const VCCL: usize = 6 | (2 << 4);
const VUSERDATA: usize = 7;
const VTHREAD: usize = 8;
const VUPVAL: usize = 9;
const VPROTO: usize = 10;

/// What the device allocates before the accounts start (`DeviceHeap::start`): `lua_newstate` and
/// the base library, which every block of `Phase::Device` stands for,
/// measured on the firmware (RV32, the same Lua and configuration) with the heap probe of
/// `docs/memory.md`: 3,311 bytes after `lua_newstate`, 4,832 after `luaopen_base`.
pub const NEW_STATE_DEVICE_BYTES: usize = 4_832;

/// Host size of the string table `lua_newstate` allocates (MINSTRTABSIZE = 128 pointers): the
/// one block from before the accounts start whose device size differs, and the only one of this
/// size.
const INITIAL_STRING_TABLE: usize = 128 * 8;

/// Marks the word of a block of `Phase::Wrapper`.
const WRAPPER: usize = 1 << (usize::BITS - 1);

/// Who is allocating, before the accounts start.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `lua_newstate` and the base library, as on the device: each block's word holds its
    /// device size (their sum is `NEW_STATE_DEVICE_BYTES`, measured on the firmware).
    Device,
    /// mlua's wrapper (`Lua::get_or_init_from_ptr`): no device counterpart. Each word holds
    /// the block's host size marked `WRAPPER`: freed, it books nothing; grown, it books the
    /// growth (its reference thread's stack holds what the Rust side keeps of the scripts'
    /// values, the firmware's tables of callbacks).
    Wrapper,
    /// The accounts have started (`DeviceHeap::start`): every block is booked as it comes.
    Started,
}

/// The device size of a new object of type `tag` that takes `host` bytes here.
fn device_size(tag: usize, host: usize) -> usize {
    match tag {
        VSHRSTR | VLNGSTR => host - 8,
        VTABLE => host - 24,
        VLCL => 16 + (host - 32) / 2,
        VCCL | VUSERDATA => host - 16,
        VUPVAL => host - 8,
        VPROTO => host - 44,
        VTHREAD => host - 88,
        _ => host,
    }
}

/// Whether a new object of this tag is host-only machinery: userdata and C closures are how
/// mlua implements Rust functions (device scripts cannot create userdata, and the firmware's C
/// functions are light, like the bindings' here).
fn host_only(tag: usize) -> bool {
    matches!(tag, VCCL | VUSERDATA)
}

struct Accounts {
    /// Every block of the state; each keeps its device size in its pool word.
    pool: Pool,
    /// Who is allocating; blocks from before the start are booked as `NEW_STATE_DEVICE_BYTES`.
    phase: Phase,
    /// The registry's hash part when last booked at the device's size (`settle_registry`).
    registry_nodes: *mut c_void,
    /// Allocator calls left to look for a new registry hash part in: set when a block the size
    /// of one is made (`registry::could_be_nodes`), the only way Lua replaces it.
    registry_watch: u8,
    /// The newest block allocated without a type tag and the peaks before it, for a peak
    /// reached only because it was booked at host size before `settle_registry` saw it.
    fresh_untagged: (*mut u8, Peaks),
    /// The newest untagged block of a `CallInfo`'s size, not looked at yet (`call_info`).
    call_info_candidate: *mut u8,
    used: usize,
    peak: usize,
    /// The most in use since the last `HeapProbe::level`: a peak between two samples.
    recent_peak: usize,
    /// The most in use since the last `start_load`: what a chunk's load peaked at (`loader`).
    load_peak: usize,
    limit: usize,
    /// Host bytes Lua holds (what mlua's own count would say).
    host_used: usize,
    /// Set while C code shared with the firmware runs (`with_device_userdata`): its userdata are
    /// the device's blocks, not mlua's machinery.
    device_userdata: bool,
    /// Set once the state is closing: its figures are final and the pool goes as a whole, so
    /// freeing a pool block is left undone.
    closing: bool,
    /// The state's main thread, whose running frame a refusal names.
    main: *mut ffi::lua_State,
    /// `/scripts/x.lua:N` running in the main thread when an allocation was last refused
    /// (`None` inside a `sys` task, or outside the scripts): Lua's out-of-memory error carries
    /// no traceback, so this is the only place that knows the line.
    refused_at: Option<String>,
}

/// The script line running in `main` when the allocator refuses a new block, read with
/// `lua_getinfo` ("Sln" reads the call chain and line tables and allocates nothing; every
/// frame is consistent when a new block is asked for). The innermost frame
/// from a script on flash names it; a `resume` below it means a coroutine (a `sys` task) was
/// running, whose frames are not on this thread.
///
/// # Safety
/// `main` is the live main thread of the state whose allocator is running, called for a new
/// block (not a resize, during which a frame's stack pointers are offsets and must not be read).
unsafe fn running_line(main: *mut ffi::lua_State) -> Option<String> {
    for level in 0..64 {
        // SAFETY: `lua_Debug` is a C struct of integers, pointers and a char array, for which
        // all zeroes is a valid value (what C code gets from `= {0}`).
        let mut ar: ffi::lua_Debug = unsafe { std::mem::zeroed() };
        // SAFETY: `main` is live and its frames consistent (the caller's promise); `ar` is
        // filled by `lua_getstack` before `lua_getinfo` reads it. Neither raises an error nor
        // allocates, so no `longjmp` can cross this frame and the allocator is not re-entered.
        let found = unsafe {
            ffi::lua_getstack(main, level, &mut ar) != 0 && ffi::lua_getinfo(main, c"Sln".as_ptr(), &mut ar) != 0
        };
        if !found {
            return None;
        }
        let text = |p: *const std::ffi::c_char| {
            // SAFETY: the strings `lua_getinfo` sets are null or NUL-terminated and live as
            // long as the function they describe, which outlives this loop iteration.
            (!p.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned())
        };
        if text(ar.name).as_deref() == Some("resume") && text(ar.what).as_deref() == Some("C") {
            return None;
        }
        if let Some(path) = text(ar.source).and_then(|s| s.strip_prefix('@').map(str::to_string)) {
            if path.starts_with("/scripts/") && ar.currentline > 0 {
                return Some(format!("{path}:{}", ar.currentline));
            }
        }
    }
    None
}

/// The device size booked for a block Lua allocates (`old` is `None`, `osize` its type)
/// or resizes from `osize` host and `old` device bytes to `nsize` host bytes. `device_userdata`:
/// a new userdata is one the device makes too (`with_device_userdata`).
fn device_bytes(osize: usize, nsize: usize, old: Option<usize>, device_userdata: bool) -> usize {
    match old {
        None if host_only(osize) && !(device_userdata && osize == VUSERDATA) => 0,
        None => device_size(osize, nsize),
        // a growing or shrinking array keeps its host/device proportion
        Some(old) => match nsize.checked_mul(old) {
            Some(product) => product / osize.max(1),
            None => (nsize as u128 * old as u128 / osize.max(1) as u128) as usize,
        },
    }
}

/// The allocator Lua calls. Must not unwind (it is `extern "C"`: a panic aborts the process).
///
/// # Safety
/// Called only by Lua as the `lua_Alloc` of the state `DeviceHeap::new_state` made, with that
/// call's `ud` (the state's `Accounts`, alive until the state is closed) and the `lua_Alloc`
/// contract: `ptr` is null (then `osize` is a type tag) or a live block of `osize` bytes this
/// allocator returned.
unsafe extern "C" fn device_alloc(ud: *mut c_void, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
    // SAFETY: `ud` is the `Accounts` `new_state` leaked for this state, freed only after the
    // state is closed. Lua runs one allocation at a time, on one thread, and no other
    // reference to the accounts is live meanwhile: the probe's readers, `rebook` and `closing`
    // make theirs outside allocator calls and drop them before Lua runs again.
    let a = unsafe { &mut *(ud as *mut Accounts) };
    // Lua frees null blocks too (an empty table's array), and nothing once the state closes.
    if nsize == 0 && (a.closing || ptr.is_null()) {
        return std::ptr::null_mut();
    }
    if a.phase != Phase::Started {
        // SAFETY: this call's own contract; a null `ptr` with `nsize` 0 returned above.
        return unsafe { a.before_start(ptr, osize, nsize) };
    }
    if !a.closing {
        // SAFETY: an allocator call of a state that is not closing, whose registry and
        // call-info lists are whole between Lua's allocator calls.
        unsafe {
            a.settle_call_info();
            if a.registry_watch > 0 {
                a.registry_watch -= 1;
                a.settle_registry(false);
            }
        }
    }
    let (used, host_used) = (a.used, a.host_used);
    // SAFETY: this call's own contract; a null `ptr` with `nsize` 0 returned above.
    let block = unsafe { a.booked(ptr, osize, nsize) };
    // Lua adds the host difference to its debt after this call; what it should add is the
    // device difference (`gc_debt`).
    let correction = (a.used as isize - used as isize) - (a.host_used as isize - host_used as isize);
    if correction != 0 {
        // SAFETY: `a.main` is this state's main thread, set when the accounts started, and
        // this is an allocator call.
        unsafe { gc_debt::add(a.main, correction) };
    }
    block
}

impl Accounts {
    /// An allocator call once the accounts have started: books the block at its device size
    /// against the limit.
    ///
    /// # Safety
    /// As for `device_alloc`, and `ptr` is not null when `nsize` is 0.
    unsafe fn booked(&mut self, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
        let a = self;
        // SAFETY: a non-null `ptr` is a live block of the pool (every block of the state is), so
        // its word is there.
        let word = (!ptr.is_null()).then(|| unsafe { *Pool::word(ptr as *mut u8) });
        let old = word.map(|w| w & !WRAPPER);
        let old_host = if ptr.is_null() { 0 } else { osize };
        if nsize == 0 {
            a.host_used -= old_host;
            // a block of the wrapper was never booked
            if word.is_some_and(|w| w & WRAPPER == 0) {
                a.used -= old.unwrap_or(0);
            }
            // SAFETY: Lua frees a live block of `osize` bytes of the pool and never touches it again.
            unsafe { a.pool.free(ptr as *mut u8, osize) };
            return std::ptr::null_mut();
        }
        let new = device_bytes(osize, nsize, old, a.device_userdata);
        let old_device = old.unwrap_or(0);
        if new > old_device && a.used - old_device + new > a.limit {
            // Only for a new block: a resize may be the stack's own, during which Lua 5.4 keeps
            // the frames' stack pointers as offsets, so no frame may be read then.
            // SAFETY: `a.main` is this state's main thread, alive while its allocator runs, and
            // this is a new block (`ptr` is null), not a resize.
            a.refused_at = if ptr.is_null() { unsafe { running_line(a.main) } } else { None };
            return std::ptr::null_mut();
        }
        let p = if ptr.is_null() {
            a.pool.alloc(nsize)
        } else {
            // SAFETY: `ptr` is the pool's live block of `osize` bytes; on success Lua uses only
            // the returned block, on failure (null) it keeps the old one, as `realloc` does.
            unsafe { a.pool.realloc(ptr as *mut u8, osize, nsize) }
        };
        if p.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: `p` is a live block of the pool just allocated or moved.
        unsafe { *Pool::word(p) = new };
        if ptr.is_null() && osize == 0 {
            a.fresh_untagged = (p, a.peaks());
            if nsize == call_info::HOST_BYTES {
                // SAFETY: `p` is a fresh block of `HOST_BYTES` bytes, not yet Lua's.
                unsafe { call_info::clear_links(p) };
                a.call_info_candidate = p;
            }
            if registry::could_be_nodes(nsize) {
                // Lua sets the table's new hash part right after, and frees the old one
                a.registry_watch = 3;
            }
        }
        a.used = a.used - old_device + new;
        a.peak = a.peak.max(a.used);
        a.recent_peak = a.recent_peak.max(a.used);
        a.load_peak = a.load_peak.max(a.used);
        a.host_used = a.host_used - old_host + nsize;
        p as *mut c_void
    }

    /// A block from before the accounts start: it has no limit and books no device bytes
    /// (`NEW_STATE_DEVICE_BYTES` stands for them all). Its word holds its device size (0 for the
    /// wrapper's), which is taken out when it is freed or resized later, as for any block.
    ///
    /// # Safety
    /// As for `device_alloc`, and `ptr` is not null when `nsize` is 0.
    unsafe fn before_start(&mut self, ptr: *mut c_void, osize: usize, nsize: usize) -> *mut c_void {
        let old_host = if ptr.is_null() { 0 } else { osize };
        self.host_used = self.host_used - old_host + nsize;
        if nsize == 0 {
            // SAFETY: Lua frees a live block of `osize` bytes of the pool and never touches it
            // again.
            unsafe { self.pool.free(ptr as *mut u8, osize) };
            return std::ptr::null_mut();
        }
        let p = if ptr.is_null() {
            self.pool.alloc(nsize)
        } else {
            // SAFETY: `ptr` is the pool's live block of `osize` bytes; Lua uses only the returned
            // block on success and keeps the old one on failure, as with `realloc`.
            unsafe { self.pool.realloc(ptr as *mut u8, osize, nsize) }
        };
        if !p.is_null() {
            let device = match (ptr.is_null(), self.phase) {
                (true, Phase::Wrapper) => nsize | WRAPPER,
                // the string table is an array of pointers: half the host size
                (true, _) if osize == 0 && nsize == INITIAL_STRING_TABLE => nsize / 2,
                (true, _) => device_bytes(osize, nsize, None, false),
                // SAFETY: `p` is a live block of the pool, moved from `ptr` with its word.
                (false, _) => match unsafe { *Pool::word(p) } {
                    word if word & WRAPPER != 0 => nsize | WRAPPER,
                    word => device_bytes(osize, nsize, Some(word), false),
                },
            };
            // SAFETY: as above.
            unsafe { *Pool::word(p) = device };
        }
        p as *mut c_void
    }

    /// Books the registry's hash part at the device's size (`registry`) if Lua replaced it
    /// since the last call, or always with `force` (its keys may have changed). A peak reached
    /// only because the new hash part was booked at host size is taken back.
    ///
    /// # Safety
    /// `self.main` is the state's live main thread and its registry whole (not being resized
    /// or freed): between Lua operations, or at the start of an allocator call of a state that
    /// is not closing.
    unsafe fn settle_registry(&mut self, force: bool) {
        // SAFETY: the caller's promise.
        let nodes = unsafe { registry::nodes(self.main) };
        let replaced = nodes != self.registry_nodes;
        if !replaced && !force {
            return;
        }
        self.registry_nodes = nodes;
        if !nodes.is_null() {
            // SAFETY: the caller's promise; the hash part is a live block of the pool (every
            // block of the state is).
            let taken = unsafe { self.rebook_block(nodes as *mut u8, registry::device_node_bytes(self.main)) };
            let (fresh, before) = self.fresh_untagged;
            if replaced && fresh == nodes as *mut u8 {
                self.lower_peaks(before, taken);
            }
        }
    }

    /// Books the candidate `CallInfo` block at the device's size if Lua linked it as one
    /// (`call_info`), taking back a peak reached only because it was booked at host size.
    ///
    /// # Safety
    /// The candidate, if any, is still live (this runs before any allocator call after the one
    /// that made it does anything), and the collector debt may be written.
    unsafe fn settle_call_info(&mut self) {
        let block = std::mem::replace(&mut self.call_info_candidate, std::ptr::null_mut());
        // SAFETY: the candidate is live and of `HOST_BYTES` (the caller's promise).
        if block.is_null() || !unsafe { call_info::is_linked(block, |at, n| self.pool.readable(at, n)) } {
            return;
        }
        // SAFETY: as above; the caller's promise about the debt.
        let taken = unsafe { self.rebook_block(block, call_info::DEVICE_BYTES) };
        let (fresh, before) = self.fresh_untagged;
        if fresh == block {
            self.lower_peaks(before, taken);
        }
    }

    /// Books a live block at `device` bytes instead of its word; returns the bytes taken off.
    ///
    /// # Safety
    /// `block` is a live block of this state's pool, and the state's collector debt may be
    /// written (no Lua operation is between reading and writing it).
    unsafe fn rebook_block(&mut self, block: *mut u8, device: usize) -> usize {
        // SAFETY: the caller's promise: the block is live, so its word is there.
        let word = unsafe { &mut *Pool::word(block) };
        // a block of the wrapper was never booked
        let booked = if *word & WRAPPER != 0 { 0 } else { *word };
        let taken = booked.saturating_sub(device);
        if self.phase == Phase::Started {
            // SAFETY: `self.main` is the state's main thread once the accounts have started.
            unsafe { gc_debt::add(self.main, device as isize - booked as isize) };
        }
        self.used = self.used - booked + device;
        *word = device;
        taken
    }

    fn peaks(&self) -> Peaks {
        Peaks { all: self.peak, recent: self.recent_peak, load: self.load_peak }
    }

    /// Takes `taken` bytes off the peaks that rose above `before` while they were booked.
    fn lower_peaks(&mut self, before: Peaks, taken: usize) {
        let used = self.used;
        let lowered = |peak: usize, before: usize| {
            if peak > before {
                before.max(peak.saturating_sub(taken)).max(used)
            } else {
                peak
            }
        };
        self.peak = lowered(self.peak, before.all);
        self.recent_peak = lowered(self.recent_peak, before.recent);
        self.load_peak = lowered(self.load_peak, before.load);
    }
}

/// Read access to a state's accounts from its bindings (kept in the state's app data).
#[derive(Clone, Copy)]
pub struct HeapProbe(*mut Accounts);

impl HeapProbe {
    /// The accounts, with a `CallInfo` allocated since the allocator's last call booked.
    fn settled(self) -> &'static mut Accounts {
        // SAFETY: the accounts outlive the state whose app data holds this probe; the
        // allocator is not running (the probe is read by Rust calls between Lua operations) and
        // no other reference to the accounts is live. A state not closing has its candidate
        // block live: freeing it is an allocator call, which looks at it first.
        let a = unsafe { &mut *self.0 };
        if !a.closing {
            // SAFETY: as above; between Lua operations the debt may be written.
            unsafe { a.settle_call_info() };
        }
        a
    }

    /// Device bytes in use and the peak so far.
    pub fn read(self) -> (usize, usize) {
        let a = self.settled();
        (a.used, a.peak)
    }

    /// Device bytes in use and the most in use since the last call, for the trace's samples
    /// (`world::gauges`); starts a new window.
    pub fn level(self) -> (usize, usize) {
        let a = self.settled();
        let most = std::mem::replace(&mut a.recent_peak, a.used);
        (a.used, most)
    }

    /// The run's peak and the one since the last `level`.
    pub fn peaks(self) -> Peaks {
        let a = self.settled();
        a.peaks()
    }

    /// Host bytes in use.
    pub fn host_used(self) -> usize {
        // SAFETY: as in `read`: the probe's accounts are alive and only read here.
        unsafe { (*self.0).host_used }
    }

    /// Whether the state is closing (its finalizers run).
    pub fn closing(self) -> bool {
        // SAFETY: as in `read`.
        unsafe { (*self.0).closing }
    }
}

/// The device heap of the state `lua`: (in use, peak).
pub fn device_heap(lua: &Lua) -> (usize, usize) {
    lua.app_data_ref::<HeapProbe>().map_or((0, 0), |p| p.read())
}

/// Books each `(block, host bytes, device bytes)` at its device size: blocks whose layout the
/// wrapper could not know when they were allocated (see `proto_arrays`). Blocks the wrapper does
/// not own are left alone. A peak above `before`'s was reached while these blocks existed and
/// drops with them.
pub fn rebook(lua: &Lua, blocks: &[(*const c_void, usize, usize)], before: Peaks) {
    let Some(probe) = lua.app_data_ref::<HeapProbe>().map(|p| p.0) else { return };
    // SAFETY: the accounts outlive the state whose app data holds the probe; the allocator is
    // not running (this is a Rust call on the state's thread).
    let a = unsafe { &mut *probe };
    let mut taken = 0;
    for &(ptr, host, device) in blocks {
        let block = ptr as *mut u8;
        if host == 0 || !a.pool.owns(block, host) {
            continue;
        }
        // SAFETY: the pool owns the block and it is live (the caller found it in a prototype
        // the state still holds); the accounts have started (the probe exists) and no Lua runs
        // during this Rust call.
        taken += unsafe { a.rebook_block(block, device) };
    }
    a.lower_peaks(before, taken);
}

/// Books the registry of the state `lua` at the device's size for the keys it holds now: after
/// the boot has set its own keys (`registry`; a resize is caught by the allocator itself).
pub fn settle_registry(lua: &Lua) {
    let Some(probe) = probe(lua) else { return };
    // SAFETY: the accounts outlive the state whose app data holds the probe; the allocator is
    // not running (this is a Rust call between Lua operations), so the registry is whole.
    unsafe { (*probe.0).settle_registry(true) };
}

/// Runs `f` with the userdata Lua makes meanwhile booked at their device size: `f` calls C code
/// the firmware runs too (the sleepy-task persister), whose scratch buffers are userdata on the
/// device as well, unlike mlua's own (which are not counted).
pub fn with_device_userdata<R>(lua: &Lua, f: impl FnOnce() -> R) -> R {
    let Some(probe) = probe(lua) else { return f() };
    // SAFETY: the accounts outlive the state whose app data holds the probe; the allocator is
    // not running (this is a Rust call on the state's thread) and reads the flag only in its
    // own calls.
    let before = unsafe { std::mem::replace(&mut (*probe.0).device_userdata, true) };
    let result = f();
    // SAFETY: as above.
    unsafe { (*probe.0).device_userdata = before };
    result
}

/// Where the last refused allocation was made (`/scripts/x.lua:N`), if known; clears it.
pub fn take_refusal(lua: &Lua) -> Option<String> {
    let probe = lua.app_data_ref::<HeapProbe>().map(|p| p.0)?;
    // SAFETY: the accounts outlive the state whose app data holds the probe; the allocator is
    // not running (this is a Rust call on the state's thread).
    let a = unsafe { &mut *probe };
    a.refused_at.take()
}

/// The device heap peaks of a state at one moment: the run's, the one since the last trace
/// sample (`HeapProbe::level`) and the one since the last `start_load`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Peaks {
    pub all: usize,
    pub recent: usize,
    pub load: usize,
}

/// The device heap of the state `lua` when a chunk's load starts (`None` for a state without
/// accounts); the load's peak is measured from here (`load_peak`).
pub fn start_load(lua: &Lua) -> Option<usize> {
    let a = probe(lua)?.settled();
    a.load_peak = a.used;
    Some(a.used)
}

/// Device bytes in use and the most in use since `start_load`.
pub fn load_peak(lua: &Lua) -> (usize, usize) {
    probe(lua).map_or((0, 0), |p| {
        let a = p.settled();
        (a.used, a.load_peak)
    })
}

/// Raises the peaks to `level` bytes, where a load the device makes peaked though this one did
/// not (`loader`: a chunk loaded from its bytecode where the device parses it again).
pub fn reach(lua: &Lua, level: usize) {
    let Some(probe) = probe(lua) else { return };
    let a = probe.settled();
    a.peak = a.peak.max(level);
    a.recent_peak = a.recent_peak.max(level);
    a.load_peak = a.load_peak.max(level);
}

/// The device heap limit of the state `lua`.
pub fn limit(lua: &Lua) -> usize {
    probe(lua).map_or(usize::MAX, |p| p.settled().limit)
}

/// The device heap peaks of the state `lua` so far.
pub fn peaks(lua: &Lua) -> Peaks {
    probe(lua).map_or(Peaks::default(), HeapProbe::peaks)
}

/// Host bytes the state `lua` holds.
pub fn host_heap(lua: &Lua) -> usize {
    probe(lua).map_or(0, HeapProbe::host_used)
}

/// The probe of the state `lua`'s accounts, for a binding dispatcher to keep: the state holds
/// the dispatcher, so while it runs the accounts are alive.
pub fn probe(lua: &Lua) -> Option<HeapProbe> {
    lua.app_data_ref::<HeapProbe>().map(|p| *p)
}

/// Why a state could not be made.
#[derive(Debug, thiserror::Error)]
pub enum NewStateError {
    #[error(transparent)]
    NoPlace(#[from] arena::NoPlace),
    #[error("out of host memory")]
    OutOfMemory,
}

/// The device-heap accounts of one Lua state. Must outlive the state (declare it first, so it
/// drops last), because Lua frees its blocks through it when it closes.
pub struct DeviceHeap {
    accounts: *mut Accounts,
}

impl DeviceHeap {
    /// A new bare Lua state (`lua_newstate`) whose every block comes from these accounts' pool,
    /// with a limit of `limit` device bytes from `start` on.
    ///
    /// # Safety
    /// The returned value outlives the state: Lua calls the allocator, whose data this value
    /// frees on drop, until the state is closed, and the state is closed before the drop.
    pub unsafe fn new_state(limit: usize) -> Result<(DeviceHeap, *mut ffi::lua_State), NewStateError> {
        let pool = Pool::new()?;
        let accounts = Box::into_raw(Box::new(Accounts {
            pool,
            phase: Phase::Device,
            registry_nodes: std::ptr::null_mut(),
            registry_watch: 0,
            fresh_untagged: (std::ptr::null_mut(), Peaks::default()),
            call_info_candidate: std::ptr::null_mut(),
            host_used: 0,
            closing: false,
            device_userdata: false,
            main: std::ptr::null_mut(),
            refused_at: None,
            used: NEW_STATE_DEVICE_BYTES,
            peak: NEW_STATE_DEVICE_BYTES,
            recent_peak: NEW_STATE_DEVICE_BYTES,
            load_peak: NEW_STATE_DEVICE_BYTES,
            limit,
        }));
        let heap = DeviceHeap { accounts };
        #[cfg(feature = "lua55")]
        // SAFETY: `device_alloc` is a `lua_Alloc` and `accounts` its data, alive until the
        // returned value drops, after the state is closed (the caller's promise).
        let state = unsafe {
            ffi::lua_newstate(device_alloc, accounts as *mut c_void, ffi::luaL_makeseed(std::ptr::null_mut()))
        };
        #[cfg(not(feature = "lua55"))]
        // SAFETY: as above.
        let state = unsafe { ffi::lua_newstate(device_alloc, accounts as *mut c_void) };
        if state.is_null() {
            return Err(NewStateError::OutOfMemory);
        }
        Ok((heap, state))
    }

    /// The device's part of the set-up (`lua_newstate` and the base library) is done; mlua's
    /// wrapper comes next, whose blocks the device does not have.
    pub fn wrapper_begins(&self) {
        // SAFETY: owned by this value; no Lua code runs during this Rust call.
        unsafe { (*self.accounts).phase = Phase::Wrapper }
    }

    /// mlua's set-up of the state is done: from here on blocks are booked at their device size
    /// against the limit, on top of `NEW_STATE_DEVICE_BYTES` for everything before, as on the
    /// device, where the wrapper is not there.
    pub fn start(&self, lua: &Lua) {
        // SAFETY: owned by this value; no Lua code runs during this Rust call, so the allocator
        // is not running.
        unsafe {
            let a = &mut *self.accounts;
            a.main = lua.state();
            // the registry as the device's is after the base library (part of the constant)
            a.settle_registry(true);
            a.phase = Phase::Started;
            a.used = NEW_STATE_DEVICE_BYTES;
            (a.peak, a.recent_peak, a.load_peak) = (a.used, a.used, a.used);
            // From here on Lua counts device bytes (`gc_debt`); `lua.state()` is the live main
            // thread and no Lua runs.
            gc_debt::set_total((*self.accounts).main, (*self.accounts).used);
        }
        lua.set_app_data(HeapProbe(self.accounts));
    }

    /// The state is about to close (see `Accounts::closing`).
    pub fn closing(&self) {
        // SAFETY: owned by this value; Lua calls the allocator only on this thread and not
        // while this runs.
        unsafe { (*self.accounts).closing = true }
    }
}

impl Drop for DeviceHeap {
    fn drop(&mut self) {
        // SAFETY: created by Box::into_raw in `install` and freed only here; the Lua state
        // whose allocator used it is closed (the promise `install`'s caller made).
        unsafe { drop(Box::from_raw(self.accounts)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_headers_shrink_to_their_32_bit_size() {
        // measured sizes: TString contents at 24 vs 16, Table 56 vs 32, LClosure 32+8n vs 16+4n,
        // CClosure 32+16n vs 16+16n, UpVal 40 vs 32, Proto 128 vs 84, thread 208 vs 120
        assert_eq!(device_size(VSHRSTR, 24 + 6), 16 + 6);
        assert_eq!(device_size(VTABLE, 56), 32);
        assert_eq!(device_size(VLCL, 32 + 3 * 8), 16 + 3 * 4);
        assert_eq!(device_size(VCCL, 48), 32);
        assert_eq!(device_size(VUPVAL, 40), 32);
        assert_eq!(device_size(VPROTO, super::proto_arrays::PROTO_HOST_BYTES), 84);
        assert_eq!(device_size(VTHREAD, 208), 120);
        assert_eq!(device_size(0, 160), 160);
    }
}
