//! `rtos`: the C layer under `sys.lua`: the message queue and the software-timer pool.
//!
//! `receive(timeout)` blocks the Lua task on the queue: virtual time jumps to the next timer
//! expiry or scenario step. It returns `MSG_TIMER, id, repeat` for a timer,
//! `MSG_PUBLISH, topic, args...` for a message the firmware posted for `sys.publish`, and
//! `MSG_TIMEOUT` when `timeout` ms pass first (`INF_TIMEOUT` waits forever).

use super::{halting, world, Binding};
use crate::time;
use crate::world::{Arg, Message, Wait};
use mlua::{IntoLua, Lua, MultiValue, Result, Value};

pub const BINDING: Binding = Binding {
    name: "rtos",
    install,
};

pub const MSG_TIMEOUT: i64 = 0;
pub const MSG_TIMER: i64 = 1;
pub const MSG_PUBLISH: i64 = 2;
pub const INF_TIMEOUT: i64 = -1;
/// What `rtos.version()` returns, on the simulator and the firmware alike.
pub const VERSION: &str = "LuaSys-1.0.0";

fn install(lua: &Lua) -> Result<()> {
    let t = lua.create_table()?;
    t.set("MSG_TIMEOUT", MSG_TIMEOUT)?;
    t.set("MSG_TIMER", MSG_TIMER)?;
    t.set("MSG_PUBLISH", MSG_PUBLISH)?;
    t.set("INF_TIMEOUT", INF_TIMEOUT)?;
    t.set("receive", lua.create_function(receive)?)?;
    t.set("timer_start", lua.create_function(timer_start)?)?;
    t.set("timer_stop", lua.create_function(timer_stop)?)?;
    t.set("meminfo", lua.create_function(meminfo)?)?;
    t.set("version", lua.create_function(|_, ()| Ok(VERSION))?)?;
    t.set("reboot", lua.create_function(reboot)?)?;
    lua.globals().set("rtos", t)
}

fn receive(lua: &Lua, timeout: Option<i64>) -> Result<MultiValue> {
    let wait = {
        let mut w = world(lua);
        if w.halt().is_some() {
            drop(w);
            return Err(halting(lua));
        }
        w.note_heap(lua.used_memory());
        let deadline = match timeout {
            None | Some(INF_TIMEOUT) => None,
            Some(ms) if ms < 0 => {
                return Err(mlua::Error::runtime(format!(
                "bad argument #1 to 'receive' (timeout must be >= 0 or rtos.INF_TIMEOUT, got {ms})"
            )))
            }
            Some(0) => Some(w.clock.now()),
            Some(ms) => {
                let ticks = time::ms_to_ticks(ms, w.clock.tick_hz()).unwrap_or(u32::MAX);
                Some(w.clock.tick_time(w.clock.ticks_since_boot() + ticks as u64))
            }
        };
        w.wait_for_message(deadline)
    };
    match wait {
        Wait::Halted => Err(halting(lua)),
        Wait::Timeout => Ok(MultiValue::from_vec(vec![Value::Integer(MSG_TIMEOUT)])),
        Wait::Message(Message::Timer { id, repeat }) => Ok(MultiValue::from_vec(vec![
            Value::Integer(MSG_TIMER),
            Value::Integer(id),
            Value::Integer(repeat),
        ])),
        Wait::Message(Message::Publish { topic, args }) => {
            let mut values = vec![Value::Integer(MSG_PUBLISH), topic.into_lua(lua)?];
            for arg in args {
                values.push(arg_to_lua(lua, arg)?);
            }
            Ok(MultiValue::from_vec(values))
        }
    }
}

fn arg_to_lua(lua: &Lua, arg: Arg) -> Result<Value> {
    match arg {
        Arg::Bool(b) => Ok(Value::Boolean(b)),
        Arg::Int(i) => Ok(Value::Integer(i)),
        Arg::Float(f) => Ok(Value::Number(f)),
        Arg::Str(s) => s.into_lua(lua),
    }
}

fn timer_start(lua: &Lua, (id, ms, repeat): (i64, i64, Option<i64>)) -> Result<i64> {
    let mut w = world(lua);
    if w.halt().is_some() {
        drop(w);
        return Err(halting(lua));
    }
    w.note_heap(lua.used_memory());
    Ok(i64::from(w.timer_start(id, ms, repeat.unwrap_or(0))))
}

fn timer_stop(lua: &Lua, id: i64) -> Result<()> {
    world(lua).timer_stop(id);
    Ok(())
}

/// `total, used, max_used` in bytes of the Lua heap.
fn meminfo(lua: &Lua, _: ()) -> Result<(i64, i64, i64)> {
    let used = lua.used_memory();
    let mut w = world(lua);
    w.note_heap(used);
    Ok((
        w.profile.lua_heap_bytes as i64,
        used as i64,
        w.heap_peak() as i64,
    ))
}

fn reboot(lua: &Lua, _: ()) -> Result<()> {
    world(lua).request_halt(crate::world::Halt::Reboot);
    Err(halting(lua))
}
