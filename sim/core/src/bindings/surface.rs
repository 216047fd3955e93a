//! How binding functions reach Rust: as light C functions, like the firmware's.
//!
//! The firmware registers each binding as a plain C function (`luaL_setfuncs`): no allocation,
//! `[C]: in function 'rtos.timer_start'` in tracebacks, and argument errors raised with the
//! caller's position (`luaL_argerror`). Here every binding function is one of a fixed set of
//! light C functions, `trampoline::<N>`, which calls the state's single Rust dispatcher with
//! `N` and the arguments, and raises `Fail::Raise` messages itself as strings at the caller's
//! line and bad arguments through `luaL_argerror`, which names the function from its call site. A fresh state therefore gets its whole API with one Rust callback instead of one per
//! function (installation was a fifth of a deep-sleep wake), and calls skip a Lua wrapper.

use super::args::{Args, BindResult, Fail};
use crate::device::Device;
use crate::memory::HeapProbe;
use mlua::{ffi, Function, IntoLuaMulti, LightUserData, Lua, MultiValue, Value};
use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::rc::{Rc, Weak};

/// A binding function's implementation, its results already converted.
type Call = Box<dyn Fn(&Lua, Args) -> BindResult<MultiValue>>;

/// A binding's fast path, run by its C function without mlua: given the device, the host bytes
/// the state holds and the first argument when it is an integer (`None` when absent or nil),
/// the integer results, or `None` to leave the call to the binding itself, which must then do
/// exactly what it would have done without the fast path.
pub type FastPath = fn(&Device, usize, Option<i64>) -> Option<Results>;

/// Up to three integer results of a fast path.
pub struct Results {
    pub values: [i64; 3],
    pub len: usize,
}

/// One binding function of a state.
struct Entry {
    call: Call,
    fast: Option<FastPath>,
}

/// What the trampolines of a state reach without mlua (`DeviceState::set_context`).
pub struct Context {
    device: Weak<Device>,
    probe: Option<HeapProbe>,
    /// The bindings, in trampoline order, with their fast paths.
    entries: Rc<Vec<Entry>>,
    calls: Rc<Calls>,
}

/// The dispatcher's calls in a state: mlua keeps a block (booked in the host heap) for each
/// level of its callbacks' nesting the first time it is reached, so a fast path may stand in
/// for the dispatcher only where that level has been reached before: outside every binding
/// call, once one has run.
#[derive(Default)]
struct Calls {
    running: Cell<usize>,
    ran: Cell<bool>,
}

/// Counts one dispatcher call while it lives.
struct Running(Rc<Calls>);

impl Running {
    fn new(calls: &Rc<Calls>) -> Running {
        calls.running.set(calls.running.get() + 1);
        calls.ran.set(true);
        Running(calls.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.set(self.0.running.get() - 1);
    }
}

/// The functions collected while a state's bindings install, in trampoline order.
#[derive(Default)]
pub struct Collecting(Vec<Entry>);

/// Registry key of the state's dispatcher (its address is the key).
static DISPATCHER_KEY: u8 = 1;
/// First result of the dispatcher when the binding raised a message (the second result), to be
/// prefixed with the caller's position...
static RAISE_MARK: u8 = 2;
/// ...or raised as it is (the device halting: no Rust error object, no traceback to build)...
static THROW_MARK: u8 = 3;
/// ...or, with the argument's number before the message, raised by `luaL_argerror`.
static ARG_MARK: u8 = 4;

fn key(k: &'static u8) -> *const c_void {
    k as *const u8 as *const c_void
}

/// Binding function `N`: the dispatcher with `N` in front of the arguments; a raised message
/// becomes a string error at the caller's position, a bad argument goes to `luaL_argerror`.
///
/// No Rust value with a destructor is live in here: Lua errors pass through by `longjmp`.
///
/// # Safety
/// Called only by Lua as a `lua_CFunction`: `state` is the running thread, with this call's
/// arguments on its stack and `LUA_MINSTACK` free slots above them.
unsafe extern "C-unwind" fn trampoline<const N: usize>(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: as `fast`'s; the results fit in `LUA_MINSTACK`.
    if let Some(results) = unsafe { fast(state, N) } {
        for &value in &results.values[..results.len] {
            // SAFETY: see above.
            unsafe { ffi::lua_pushinteger(state, value) };
        }
        return results.len as c_int;
    }
    // SAFETY: `state` is the live thread that called this C function (the caller's promise);
    // two of its `LUA_MINSTACK` free slots are used before the call and `lua_call` makes room
    // for the results. The marks are compared by address before their slots are read, so
    // `lua_tointeger`/`lua_tostring` see what `marked` put there. Errors (the dispatcher's,
    // and the ones raised here on purpose) `longjmp` out of this frame, which holds no Rust
    // value with a destructor; a Rust panic in the dispatcher never crosses it (mlua turns it
    // into a Lua error at its boundary). Without a dispatcher `lua_call` raises a Lua error.
    unsafe {
        ffi::lua_rawgetp(state, ffi::LUA_REGISTRYINDEX, key(&DISPATCHER_KEY));
        ffi::lua_pushinteger(state, N as ffi::lua_Integer);
        ffi::lua_rotate(state, 1, 2);
        let nargs = ffi::lua_gettop(state) - 1;
        ffi::lua_call(state, nargs, ffi::LUA_MULTRET);
        let top = ffi::lua_gettop(state);
        if top == 2 || top == 3 {
            let mark = ffi::lua_touserdata(state, 1) as *const c_void;
            if top == 3 && mark == key(&ARG_MARK) {
                let n = ffi::lua_tointeger(state, 2) as c_int;
                ffi::luaL_argerror(state, n, ffi::lua_tostring(state, 3));
            }
            if top == 2 && mark == key(&RAISE_MARK) {
                ffi::luaL_where(state, 1);
                ffi::lua_rotate(state, 2, 1);
                ffi::lua_concat(state, 2);
                ffi::lua_error(state);
            }
            if top == 2 && mark == key(&THROW_MARK) {
                ffi::lua_error(state);
            }
        }
        top
    }
}

/// Binding `n`'s fast path, if it has one and it answers. Not while the state closes (its
/// finalizers run as mlua's callbacks go), nor after a panic in it (the binding then runs).
///
/// # Safety
/// As `trampoline`'s.
unsafe fn fast(state: *mut ffi::lua_State, n: usize) -> Option<Results> {
    // SAFETY: `state` is a thread of a device state running its C function (the caller's
    // promise), whose context, if any, is a `Context`.
    let context = unsafe { crate::memory::context::<Context>(state) }?;
    let path = context.entries.get(n)?.fast?;
    let calls = &context.calls;
    if context.probe.is_some_and(HeapProbe::closing) || calls.running.get() > 0 || !calls.ran.get() {
        return None;
    }
    // SAFETY: as above: reading argument 1 allocates nothing and raises nothing.
    let first = unsafe {
        match ffi::lua_type(state, 1) {
            ffi::LUA_TNONE | ffi::LUA_TNIL => None,
            ffi::LUA_TNUMBER if ffi::lua_isinteger(state, 1) != 0 => Some(ffi::lua_tointeger(state, 1)),
            _ => return None,
        }
    };
    // SAFETY: as above. The call raises what the dispatcher call would (a C stack overflow,
    // no memory for the stack), before any value with a destructor lives in this frame.
    unsafe { as_dispatched(state) };
    let device = context.device.upgrade()?;
    let host_used = context.probe.map_or(0, HeapProbe::host_used);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| path(&device, host_used, first))).ok().flatten()
}

/// What calling the dispatcher does to the thread's memory, without the call: a C function
/// called where the dispatcher would be, with as many arguments. Lua allocates a call frame
/// when the calls nest deeper than before and grows the stack for the C function's
/// `LUA_MINSTACK`, both booked in the heap figures (and the growth may run the collector), so
/// a fast path must leave them as the dispatcher call would have. The arguments stay.
///
/// # Safety
/// As `trampoline`'s.
unsafe fn as_dispatched(state: *mut ffi::lua_State) {
    /// Returns its arguments.
    unsafe extern "C-unwind" fn echo(state: *mut ffi::lua_State) -> c_int {
        // SAFETY: called by Lua as a C function.
        unsafe { ffi::lua_gettop(state) }
    }
    // SAFETY: the caller's promise; the same pushes and call as `trampoline` makes, with a C
    // function that returns at once, its results in place of the call: the number pushed,
    // then the arguments, the number then taken off.
    unsafe {
        ffi::lua_pushcfunction(state, echo);
        ffi::lua_pushinteger(state, 0);
        ffi::lua_rotate(state, 1, 2);
        let nargs = ffi::lua_gettop(state) - 1;
        ffi::lua_call(state, nargs, ffi::LUA_MULTRET);
        ffi::lua_rotate(state, 1, -1);
        ffi::lua_pop(state, 1);
    }
}

macro_rules! trampolines {
    ($($n:literal)*) => { [$(trampoline::<$n> as ffi::lua_CFunction),*] };
}

/// Room for every binding function of the largest build (53 today, 84 with `luatos`) and the
/// project's own modules (at most `apidoc::MAX_USER_FUNCTIONS`).
const TRAMPOLINES: [ffi::lua_CFunction; 256] = trampolines!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
    32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63
    64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95
    96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119
    120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140 141 142 143
    144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160 161 162 163 164 165 166 167
    168 169 170 171 172 173 174 175 176 177 178 179 180 181 182 183 184 185 186 187 188 189 190 191
    192 193 194 195 196 197 198 199 200 201 202 203 204 205 206 207 208 209 210 211 212 213 214 215
    216 217 218 219 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239
    240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255
);

/// Starts collecting the binding functions of a state being built.
pub fn begin(lua: &Lua) {
    lua.set_app_data(Collecting::default());
}

/// A binding function implemented by `f`; only while the state's bindings install (between
/// `begin` and `finish`). `name` is for the error when that is not the case.
pub fn function<R, F>(lua: &Lua, name: &str, f: F) -> mlua::Result<Function>
where
    R: IntoLuaMulti,
    F: Fn(&Lua, Args) -> BindResult<R> + 'static,
{
    function_with_fast_path(lua, name, f, None)
}

/// `function`, with a fast path its C function tries first.
pub fn function_with_fast_path<R, F>(lua: &Lua, name: &str, f: F, fast: Option<FastPath>) -> mlua::Result<Function>
where
    R: IntoLuaMulti,
    F: Fn(&Lua, Args) -> BindResult<R> + 'static,
{
    let call: Call = Box::new(move |lua: &Lua, args: Args| f(lua, args).and_then(|r| Ok(r.into_lua_multi(lua)?)));
    let n = {
        let mut collecting = lua
            .app_data_mut::<Collecting>()
            .ok_or_else(|| mlua::Error::runtime(format!("binding '{name}' created outside installation")))?;
        collecting.0.push(Entry { call, fast });
        collecting.0.len() - 1
    };
    let trampoline = TRAMPOLINES
        .get(n)
        .ok_or_else(|| mlua::Error::runtime(format!("more than {} binding functions", TRAMPOLINES.len())))?;
    // SAFETY: the trampoline follows the C function protocol (its `# Safety` is exactly how
    // Lua calls a C function) and touches only its own frame and the dispatcher's registry key.
    unsafe { lua.create_c_function(*trampoline) }
}

/// The dispatcher's results for a failure: the mark, an argument number if any, the message.
fn marked(lua: &Lua, mark: &'static u8, arg: Option<usize>, message: String) -> mlua::Result<MultiValue> {
    let mark = Value::LightUserData(LightUserData(key(mark) as *mut c_void));
    let message = Value::String(lua.create_string(message)?);
    Ok(MultiValue::from_iter([Some(mark), arg.map(|n| Value::Integer(n as i64)), Some(message)].into_iter().flatten()))
}

/// Ends the installation: the dispatcher that serves this state's trampolines goes in. Returns
/// the context for the trampolines' fast paths, for `DeviceState::set_context`.
pub fn finish(lua: &Lua) -> mlua::Result<Context> {
    let entries = Rc::new(lua.remove_app_data::<Collecting>().unwrap_or_default().0);
    // Weak: the state holds its device (app data) and the device its states. While the state
    // runs, its device is alive, and each call finds it without looking it up.
    let device = Rc::downgrade(&crate::device::device(lua));
    let probe = crate::memory::probe(lua);
    let calls = Rc::new(Calls::default());
    let context = Context { device: device.clone(), probe, entries: entries.clone(), calls: calls.clone() };
    let dispatcher = lua.create_function(move |lua, mut values: MultiValue| {
        let n = match values.pop_front() {
            Some(Value::Integer(n)) => n as usize,
            _ => return Err(mlua::Error::runtime("binding dispatcher called without its number")),
        };
        let entry = &entries[n];
        let _running = Running::new(&calls);
        let device = device.upgrade().expect("a running state's device is alive");
        // For `luasim check`: the script line this call comes from, given to what it records.
        let noting = device.with_world(|w| w.noting_call_lines());
        let outer = noting.then(|| {
            let line = crate::device::watchdog::script_location(lua);
            device.with_world(|w| w.swap_call_line(line))
        });
        let result = (entry.call)(lua, Args::new(values.into_vec(), device.clone(), probe));
        if let Some(outer) = outer {
            device.with_world(|w| w.swap_call_line(outer));
        }
        match result {
            Ok(results) => Ok(results),
            Err(Fail::Lua(e)) => Err(e),
            Err(Fail::Raise(message)) => marked(lua, &RAISE_MARK, None, message),
            Err(Fail::Halt(message)) => marked(lua, &THROW_MARK, None, message),
            Err(Fail::Arg(n, message)) => marked(lua, &ARG_MARK, Some(n), message),
        }
    })?;
    // SAFETY: exec_raw hands over the dispatcher at 1 and `lua_rawsetp` pops it into the
    // registry (always a table); run in a protected call, a memory error is caught there.
    unsafe {
        lua.exec_raw::<()>(dispatcher, |state| {
            ffi::lua_rawsetp(state, ffi::LUA_REGISTRYINDEX, key(&DISPATCHER_KEY));
        })?;
    }
    Ok(context)
}
