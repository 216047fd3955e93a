//! `rtos`: the C layer under `sys.lua`: the message queue and the software-timer pool.
//!
//! `receive(timeout)` blocks the Lua task on the queue: virtual time jumps to the next timer
//! expiry, firmware timeout or scenario step. It returns `MSG_TIMER, id, repeat` for a timer,
//! `MSG_PUBLISH, topic, args...` for a message the firmware posted for `sys.publish`,
//! `MSG_CALLBACK` after running a firmware callback (so `sys.run` dispatches what it published),
//! and `MSG_TIMEOUT` when `timeout` ms pass first (`INF_TIMEOUT` waits forever).

use super::dispatch::{take_message, Taken};
use super::surface::{function_with_fast_path, Results};
use super::{check_running, function, global_table, halting, set_constants, Args, BindResult, Binding};
use crate::device::{with_world, Device};
use crate::memory::device_heap;
use crate::time;
use crate::time::Micros;
use crate::world::{Arg, Halt, Message, Ready, Wait, World};
use mlua::{IntoLua, Lua, MultiValue, Value};

pub const BINDING: Binding = Binding { name: "rtos", module: None, lean: false, simulator_only: false, install };

pub use crate::contract::rtos::constant::{INF_TIMEOUT, MSG_CALLBACK, MSG_PUBLISH, MSG_TIMEOUT, MSG_TIMER};
use crate::contract::rtos::{constant, VERSION};

fn install(lua: &Lua) -> mlua::Result<()> {
    let t = global_table(
        lua,
        "rtos",
        vec![
            ("receive", function_with_fast_path(lua, "receive", receive, Some(receive_fast))?),
            ("timer_start", function(lua, "timer_start", timer_start)?),
            ("timer_stop", function(lua, "timer_stop", timer_stop)?),
            ("meminfo", function(lua, "meminfo", meminfo)?),
            ("version", function(lua, "version", |_, _| Ok(VERSION))?),
            ("reboot", function(lua, "reboot", reboot)?),
        ],
    )?;
    let constants: Vec<(&str, i64)> = constant::SET.tags.iter().map(|c| (c.name, c.value)).collect();
    set_constants(lua, &t, &constants)
}

/// What `rtos.receive` does, before it waits, when a task asked for a deep sleep with every task
/// kept (sleepy builds): the runtime's sleep, set as the state's app data so the bindings stay
/// below the runtime.
pub struct OnSleepRequest(pub fn(&Lua, &Device) -> BindResult<()>);

fn receive(lua: &Lua, args: Args) -> BindResult<MultiValue> {
    let device = args.device();
    let (halted, sleep_asked) = device.with_world(|w| (w.halt().is_some(), w.sleepy_request_due()));
    if halted {
        return Err(halting(lua));
    }
    let sleep = sleep_asked.then(|| lua.app_data_ref::<OnSleepRequest>().map(|hook| hook.0)).flatten();
    if let Some(sleep) = sleep {
        sleep(lua, device)?;
    }
    let timeout = args.opt_integer(1)?;
    if let Some(ms) = timeout.filter(|&ms| ms < 0 && ms != INF_TIMEOUT) {
        return Err(args.error(1, format!("timeout must be >= 0 or rtos.INF_TIMEOUT, got {ms}")));
    }
    let used = args.host_heap();
    let wait = device.with_world(|w| {
        w.note_host_heap(used);
        let deadline = deadline(w, timeout);
        w.wait_for_message(deadline)
    });
    let message = match wait {
        Wait::Halted => return Err(halting(lua)),
        Wait::Timeout => return Ok(MultiValue::from_vec(vec![Value::Integer(MSG_TIMEOUT)])),
        Wait::Message(message) => message,
    };
    match take_message(lua, message)? {
        Taken::Handled => {
            check_running(lua)?;
            Ok(MultiValue::from_vec(vec![Value::Integer(MSG_CALLBACK)]))
        }
        Taken::ForScript(Message::Timer { id, repeat }) => {
            Ok(MultiValue::from_vec(vec![Value::Integer(MSG_TIMER), Value::Integer(id), Value::Integer(repeat)]))
        }
        Taken::ForScript(Message::Publish { topic, args }) => {
            let mut values = vec![Value::Integer(MSG_PUBLISH), topic.into_lua(lua)?];
            for arg in args {
                values.push(arg_to_lua(lua, arg)?);
            }
            Ok(MultiValue::from_vec(values))
        }
        Taken::ForScript(other) => unreachable!("take_message handles {other}"),
    }
}

/// `receive` without mlua when nothing stands in the way and the wait ends in a timer's message
/// or the timeout: the same checks in the same order, then the same wait. Otherwise `None` before
/// waiting, or after it with the message left in the queue, where `receive` finds it at once.
fn receive_fast(device: &Device, host_used: usize, timeout: Option<i64>) -> Option<Results> {
    if timeout.is_some_and(|ms| ms < 0 && ms != INF_TIMEOUT) {
        return None;
    }
    device.with_world(|w| {
        if w.halt().is_some() || w.sleepy_request_due() || w.noting_call_lines() {
            return None;
        }
        w.note_host_heap(host_used);
        let deadline = deadline(w, timeout);
        match w.wait_for_queue(deadline) {
            Ready::Timeout => Some(Results { values: [MSG_TIMEOUT, 0, 0], len: 1 }),
            Ready::Halted => None,
            Ready::Message => {
                let (id, repeat) = w.take_timer_message()?;
                Some(Results { values: [MSG_TIMER, id, repeat], len: 3 })
            }
        }
    })
}

/// When a wait of `timeout` ms (`None` or `INF_TIMEOUT`: forever) from now ends.
fn deadline(w: &World, timeout: Option<i64>) -> Option<Micros> {
    match timeout {
        None | Some(INF_TIMEOUT) => None,
        Some(ms) => {
            let ticks = time::ms_to_ticks(ms, w.clock().tick_hz()).unwrap_or(if ms == 0 { 0 } else { u32::MAX });
            Some(w.clock().tick_time(w.clock().ticks_since_boot() + ticks as u64))
        }
    }
}

fn arg_to_lua(lua: &Lua, arg: Arg) -> mlua::Result<Value> {
    match arg {
        Arg::Bool(b) => Ok(Value::Boolean(b)),
        Arg::Int(i) => Ok(Value::Integer(i)),
        Arg::Float(f) => Ok(Value::Number(f)),
        Arg::Str(s) => s.into_lua(lua),
    }
}

fn timer_start(lua: &Lua, args: Args) -> BindResult<i64> {
    let id = args.integer(1)?;
    let ms = args.integer(2)?;
    let repeat = args.opt_integer(3)?.unwrap_or(0);
    let device = args.device();
    if device.with_world(|w| w.halt().is_some()) {
        return Err(halting(lua));
    }
    let used = args.host_heap();
    Ok(i64::from(device.with_world(|w| {
        w.note_host_heap(used);
        w.timer_start(id, ms, repeat)
    })))
}

fn timer_stop(lua: &Lua, args: Args) -> BindResult<()> {
    let id = args.integer(1)?;
    with_world(lua, |w| w.timer_stop(id));
    Ok(())
}

/// `total, used, max_used` in device bytes of the Lua heap (`docs/memory.md`).
pub(super) fn meminfo(lua: &Lua, _: Args) -> BindResult<(i64, i64, i64)> {
    let (used, peak) = device_heap(lua);
    Ok(with_world(lua, |w| {
        w.note_heap(peak);
        (w.profile().heap_limit() as i64, used as i64, peak as i64)
    }))
}

fn reboot(lua: &Lua, _: Args) -> BindResult<()> {
    with_world(lua, |w| w.request_halt(Halt::Reboot { cause: "rtos.reboot".into() }));
    Err(halting(lua))
}
