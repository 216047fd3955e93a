//! Sleepy tasks (`docs/sleepy-tasks.md`): with the profile's `sleepy` on, `Node.deepSleep(ms)`
//! in a sys task yields; once the Lua task is back at the rtos queue with nothing queued, every
//! suspended task is persisted (`crate::persist`) into the sleep region beside the RTC store,
//! and the device sleeps. At a timer or GPIO wake a fresh state compiles the scripts without
//! running them, takes the tasks back, re-arms the rtos timers and resumes the sleeper with the
//! wake cause, then runs `sys.run()`. A refusal or an image over budget raises the error in the
//! sleeping task and the device stays awake.

use crate::bindings::{halting, CALL_PROTECTED};
use crate::device::{device, with_world, Device};
use crate::memory::with_device_userdata;
use crate::persist::Persister;
use crate::trace::{EventKind, Level};
use crate::world::sleep_region::crc32;
use crate::world::{Halt, SleepyTimer, World};
use mlua::{Function, IntoLua, Lua, LuaString, MultiValue, Result, Table, Thread, Value};

/// `Node.deepSleep` of a sleepy device: a sys task yields to sleep with its tasks; anywhere
/// else the device sleeps as usual. The firmware loads the same text.
const WRAPPER: &str = include_str!("../../../../lua/sleepy.lua");

const CTX: &str = "luasim.sleepy.ctx";
const CHUNKS: &str = "luasim.sleepy.chunks";
const SLEEPER: &str = "luasim.sleepy.sleeper";
/// Why the pending request cannot be granted before anything is persisted (a bad sleep time);
/// kept outside the Lua heap, which it must not change.
struct Refusal(String);
const TAG: &str = "sleepy";
/// Container version, before the persister's own image: scripts named by path and CRC-32...
const VERSION: u8 = crate::contract::sleep_region::TASKS_VERSION;
/// ...or carried as bytecode (`sleepy_embed_code`).
const VERSION_EMBEDDED_CODE: u8 = crate::contract::sleep_region::TASKS_VERSION_EMBEDDED_CODE;

fn persister(lua: &Lua) -> Result<Persister> {
    if let Some(p) = lua.app_data_ref::<Persister>() {
        return Ok(p.clone());
    }
    let p = Persister::new(lua)?;
    lua.set_app_data(p.clone());
    Ok(p)
}

/// Installs the `Node.deepSleep` wrapper and makes the permanents (after it, before any script).
pub fn install(lua: &Lua) -> Result<()> {
    lua.set_app_data(crate::bindings::OnSleepRequest(|lua, device| sleep_if_asked(lua, device, true)));
    let p = persister(lua)?;
    let globals = lua.globals();
    let node: Table = globals.get("Node")?;
    let sys: Table = globals.get("sys")?;
    let tasks: Table = p.upvalue.call((sys.get::<Function>("taskInit")?, "tasks"))?;
    // A bad sleep time does not raise here (an error from a Rust function would carry
    // mlua's text): it is the refusal the sleeper resumes with, as on the device.
    let request = lua.create_function(|lua, (ms, co): (Value, Thread)| {
        let ms = match crate::bindings::sleep_ms(&crate::bindings::Args::new(vec![ms], device(lua), None)) {
            Ok(ms) => ms,
            Err(crate::bindings::Fail::Arg(n, message)) => {
                lua.set_app_data(Refusal(format!("bad argument #{n} to 'deepSleep' ({message})")));
                None
            }
            Err(crate::bindings::Fail::Lua(e)) => return Err(e),
            Err(crate::bindings::Fail::Raise(message) | crate::bindings::Fail::Halt(message)) => {
                return Err(mlua::Error::runtime(message))
            }
        };
        lua.set_named_registry_value(SLEEPER, co)?;
        with_world(lua, |w| w.request_sleepy(ms));
        Ok(())
    })?;
    let wrapper: Function =
        lua.load(WRAPPER).set_name("=sleepy").call((request, node.get::<Function>("deepSleep")?, tasks))?;
    node.set("deepSleep", wrapper)?;
    let ctx: Table = p.permanents.call(())?;
    lua.set_named_registry_value(CTX, ctx)?;
    lua.set_named_registry_value(CHUNKS, lua.create_table()?)
}

/// Notes a compiled script (its path, the CRC-32 of its text and its main function), so that
/// the image can name its prototypes.
pub fn note_chunk(lua: &Lua, path: &str, source: &[u8], chunk: &Function) -> Result<()> {
    note_chunk_crc(lua, path, crc32(source), chunk)
}

/// `note_chunk` with the CRC-32 of the script's text given (a chunk loaded from an image's
/// bytecode keeps the CRC of the text it was compiled from).
fn note_chunk_crc(lua: &Lua, path: &str, crc: u32, chunk: &Function) -> Result<()> {
    if !with_world(lua, |w| w.profile().sleepy) {
        return Ok(());
    }
    let Ok(chunks) = lua.named_registry_value::<Table>(CHUNKS) else { return Ok(()) };
    let entry = lua.create_table()?;
    entry.raw_set(1, path)?;
    entry.raw_set(2, crc)?;
    entry.raw_set(3, chunk.clone())?;
    chunks.raw_push(entry)
}

/// Whether a task asked to sleep; then sleeps with the tasks (`Err`: halting) or, refused,
/// raises the error in the sleeping task and returns `Ok(())` once no request is left (the
/// refused task may ask again at once). `in_sys_run`: the event loop to run at the wake.
pub fn sleep_if_asked(lua: &Lua, device: &Device, in_sys_run: bool) -> std::result::Result<(), crate::bindings::Fail> {
    while let Some(ms) = device.with_world(|w| w.take_sleepy_request()) {
        let sleeper: Thread = lua.named_registry_value(SLEEPER)?;
        lua.unset_named_registry_value(SLEEPER)?;
        let refusal = match lua.remove_app_data::<Refusal>() {
            Some(Refusal(message)) => message,
            None => match keep_tasks(lua, &sleeper, in_sys_run, ms)? {
                Some(message) => message,
                None => return Err(halting(lua)),
            },
        };
        refuse(lua, &sleeper, &refusal)?;
    }
    Ok(())
}

/// Persists the tasks into the region and asks for the deep sleep (`None`), or says why not.
fn keep_tasks(lua: &Lua, sleeper: &Thread, in_sys_run: bool, ms: Option<u64>) -> Result<Option<String>> {
    let image = match persist(lua, sleeper, in_sys_run)? {
        Err(message) => return Ok(Some(message)),
        Ok(image) => image,
    };
    let bytes = image.len();
    match with_world(lua, |w| w.store_tasks(image)) {
        Err(full) => Ok(Some(format!(
            "Node.deepSleep: keeping the tasks wants {} bytes but only {} of the {}-byte sleep region are free",
            full.wanted, full.free, full.capacity
        ))),
        Ok(written) => {
            with_world(lua, |w| {
                if written {
                    let text = format!("tasks kept: image {bytes} bytes");
                    w.record(EventKind::Log { level: Level::Info, tag: TAG.into(), text, bare: false });
                    w.request_halt(Halt::DeepSleep { ms });
                }
            });
            Ok(None)
        }
    }
}

/// The container: version, the scripts (path, CRC-32, and with `sleepy_embed_code` the length
/// and bytes of their `lua_dump`), the rtos timers, the event loop flag, then the persister's
/// image. `Ok(Err(message))` when something cannot be persisted.
fn persist(lua: &Lua, sleeper: &Thread, in_sys_run: bool) -> Result<std::result::Result<Vec<u8>, String>> {
    let p = persister(lua)?;
    let ctx: Table = lua.named_registry_value(CTX)?;
    let chunks: Table = lua.named_registry_value(CHUNKS)?;
    let functions = lua.create_table()?;
    let embed = with_world(lua, |w| w.profile().sleepy_embed_code);
    let mut out = vec![if embed { VERSION_EMBEDDED_CODE } else { VERSION }, chunks.raw_len() as u8];
    for entry in chunks.sequence_values::<Table>() {
        let entry = entry?;
        let path: LuaString = entry.raw_get(1)?;
        let path = path.as_bytes();
        out.push(path.len() as u8);
        out.extend_from_slice(&path);
        out.extend_from_slice(&entry.raw_get::<u32>(2)?.to_le_bytes());
        let chunk: Function = entry.raw_get(3)?;
        if embed {
            // with debug information: error messages and refusal paths name the same lines
            // and locals as the text's
            let code = chunk.dump(false);
            out.extend_from_slice(&(code.len() as u32).to_le_bytes());
            out.extend_from_slice(&code);
        }
        functions.raw_push(chunk)?;
    }
    let timers = with_world(lua, |w| w.sleepy_timers());
    out.push(timers.len() as u8);
    for t in &timers {
        out.extend_from_slice(&t.id.to_le_bytes());
        out.extend_from_slice(&t.due_us.to_le_bytes());
        out.extend_from_slice(&t.period_ticks.to_le_bytes());
        out.extend_from_slice(&t.fires_left.map_or(0, |n| n + 1).to_le_bytes());
    }
    out.push(u8::from(in_sys_run));
    match with_device_userdata(lua, || p.persist.call::<LuaString>((ctx, functions, sleeper.clone()))) {
        Ok(image) => {
            out.extend_from_slice(&image.as_bytes());
            Ok(Ok(out))
        }
        Err(e) => Ok(Err(format!("Node.deepSleep: {}", first_line(&e)))),
    }
}

fn first_line(e: &mlua::Error) -> String {
    let text = match e {
        mlua::Error::CallbackError { cause, .. } => cause.to_string(),
        other => other.to_string(),
    };
    let text = text.strip_prefix("runtime error: ").unwrap_or(&text);
    text.lines().next().unwrap_or_default().to_string()
}

/// Resumes the sleeper with `nil, message` through sys.lua's own `resume`, which logs the
/// task's error as every task error is logged.
fn refuse(lua: &Lua, sleeper: &Thread, message: &str) -> Result<()> {
    resume(lua, sleeper, (Value::Nil, message))
}

fn resume(lua: &Lua, task: &Thread, args: impl mlua::IntoLuaMulti) -> Result<()> {
    let p = persister(lua)?;
    let sys: Table = lua.globals().get("sys")?;
    let resume: Function = p.upvalue.call((sys.get::<Function>("taskInit")?, "resume"))?;
    let mut all = vec![Value::Thread(task.clone())];
    all.extend(args.into_lua_multi(lua)?);
    resume.call::<()>(MultiValue::from_vec(all))
}

/// A script a container names: its path, the CRC-32 of its text when the tasks slept, and
/// its bytecode in a container that carries it.
struct Script<'a> {
    path: String,
    crc: u32,
    code: Option<&'a [u8]>,
}

/// A read container.
struct Container<'a> {
    files: Vec<Script<'a>>,
    timers: Vec<SleepyTimer>,
    in_sys_run: bool,
    image: &'a [u8],
}

fn read(bytes: &[u8]) -> Option<Container<'_>> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = bytes.get(at..at.checked_add(n)?)?;
        at += n;
        Some(s)
    };
    let embedded = match take(1)? {
        [VERSION] => false,
        [VERSION_EMBEDDED_CODE] => true,
        _ => return None,
    };
    let files = (0..take(1)?[0])
        .map(|_| {
            let n = take(1)?[0] as usize;
            let path = String::from_utf8(take(n)?.to_vec()).ok()?;
            let crc = u32::from_le_bytes(take(4)?.try_into().ok()?);
            let code = match embedded {
                true => {
                    let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
                    Some(take(len)?)
                }
                false => None,
            };
            Some(Script { path, crc, code })
        })
        .collect::<Option<Vec<_>>>()?;
    let timers = (0..take(1)?[0])
        .map(|_| {
            let id = i64::from_le_bytes(take(8)?.try_into().ok()?);
            let due_us = u64::from_le_bytes(take(8)?.try_into().ok()?);
            let period_ticks = u32::from_le_bytes(take(4)?.try_into().ok()?);
            let left = u64::from_le_bytes(take(8)?.try_into().ok()?);
            Some(SleepyTimer { id, due_us, period_ticks, fires_left: left.checked_sub(1) })
        })
        .collect::<Option<Vec<_>>>()?;
    let in_sys_run = take(1)?[0] == 1;
    Some(Container { files, timers, in_sys_run, image: &bytes[at..] })
}

/// At a wake with a tasks' image: restores the tasks and runs them. `Ok(false)` when the image
/// does not fit this firmware or these scripts (then the boot goes on afresh, traced).
pub fn wake(lua: &Lua, bytes: &[u8]) -> Result<bool> {
    let restored = restore(lua, bytes)?;
    if !restored {
        // the scripts run afresh and note their chunks again
        lua.named_registry_value::<Table>(CHUNKS)?.clear()?;
    }
    Ok(restored)
}

fn restore(lua: &Lua, bytes: &[u8]) -> Result<bool> {
    let note = |level: Level, text: String| {
        with_world(lua, |w| w.record(EventKind::Log { level, tag: TAG.into(), text, bare: false }));
    };
    let Some(container) = read(bytes) else {
        note(Level::Warn, "tasks not restored: the image is not one this firmware writes; booting afresh".into());
        return Ok(false);
    };
    let functions = lua.create_table()?;
    for Script { path, crc, code } in &container.files {
        let same = with_world(lua, |w| w.flash().read(path).is_some_and(|s| crc32(s) == *crc));
        let loaded = match code {
            Some(code) => {
                if !same {
                    note(
                        Level::Warn,
                        format!("{path} changed since the tasks slept; they go on in the code they slept in"),
                    );
                }
                super::loader::load_bytecode(lua, code, &format!("@{path}"))?
            }
            None if !same => {
                note(Level::Warn, format!("tasks not restored: {path} changed since they slept; booting afresh"));
                return Ok(false);
            }
            None => {
                let source = with_world(lua, |w| w.flash().read(path).map(<[u8]>::to_vec)).unwrap_or_default();
                super::loader::compile(lua, &source, &format!("@{path}"), None)?
            }
        };
        let chunk = match loaded {
            Ok(chunk) => chunk,
            Err(message) => {
                note(Level::Warn, format!("tasks not restored: {message}; booting afresh"));
                return Ok(false);
            }
        };
        note_chunk_crc(lua, path, *crc, &chunk)?;
        functions.raw_push(chunk)?;
    }
    let p = persister(lua)?;
    let ctx: Table = lua.named_registry_value(CTX)?;
    let image = lua.create_string(container.image)?;
    let sleeper: Thread = match with_device_userdata(lua, || p.unpersist.call((ctx, functions, image))) {
        Ok(sleeper) => sleeper,
        Err(e) => {
            note(Level::Warn, format!("tasks not restored: {}; booting afresh", first_line(&e)));
            return Ok(false);
        }
    };
    with_world(lua, |w| w.rearm_sleepy_timers(&container.timers));
    note(Level::Info, format!("tasks restored: image {} bytes", bytes.len()));
    with_world(lua, World::note_tasks_restored);
    let cause = with_world(lua, |w| w.wake_cause().as_str());
    let call_protected: Function = lua.named_registry_value(CALL_PROTECTED)?;
    let sys: Table = lua.globals().get("sys")?;
    let resume_fn: Function = p.upvalue.call((sys.get::<Function>("taskInit")?, "resume"))?;
    let mut steps: Vec<(Function, MultiValue)> =
        vec![(resume_fn, MultiValue::from_vec(vec![Value::Thread(sleeper), cause.into_lua(lua)?]))];
    if container.in_sys_run {
        steps.push((sys.get("run")?, MultiValue::new()));
    }
    for (f, args) in steps {
        if with_world(lua, |w| w.halt().is_some()) {
            break;
        }
        let mut all = vec![Value::Function(f)];
        all.extend(args);
        let (ok, err): (bool, Value) = call_protected.call(MultiValue::from_vec(all))?;
        if !ok {
            let message = crate::bindings::describe_error(&err);
            with_world(lua, |w| {
                if w.halt().is_none() {
                    w.record(EventKind::Error { what: "sleepy wake".into(), message });
                }
            });
        }
    }
    Ok(true)
}
