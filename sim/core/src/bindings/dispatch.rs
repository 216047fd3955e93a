//! What the device's Lua task does with a message from the rtos queue that is not for the
//! script's own loop: run a firmware callback (in the Lua state of the generation that made
//! it, after checking that generation may still run), or start a reload. A callback whose data
//! does not fit in the Lua heap is dropped and counted, and the task goes on.

use super::convert::json_to_lua;
use super::CALLBACKS_KEY;
use crate::device::{device, with_world};
use crate::trace::EventKind;
use crate::world::{CallbackArgs, Halt, Listener, Message};
use mlua::{Function, Lua, MultiValue, Table, Value};

/// Registry slot of the prelude's `call_protected(fn, ...)` (set up by `runtime::state`),
/// through which every callback runs.
pub const CALL_PROTECTED: &str = "luasim.call_protected";

/// The outcome of taking a message off the queue.
pub enum Taken {
    /// A timer or `sys` message: the script's loop (`rtos.receive`) handles it.
    ForScript(Message),
    /// The firmware handled it (ran a callback, or asked for a reload).
    Handled,
}

/// Handles firmware messages; hands timer and publish messages back.
pub fn take_message(lua: &Lua, message: Message) -> mlua::Result<Taken> {
    match message {
        Message::Callback { registration, args, flow } => {
            run_callback(lua, registration, args, flow)?;
            Ok(Taken::Handled)
        }
        Message::Reload { trigger } => {
            with_world(lua, |w| w.request_halt(Halt::Reload { trigger }));
            Ok(Taken::Handled)
        }
        other => Ok(Taken::ForScript(other)),
    }
}

/// Runs registration `id`'s callback, protected: an error is traced, not propagated. `flow`
/// is the step that posted it, if one did.
fn run_callback(lua: &Lua, id: u64, args: CallbackArgs, flow: Option<u64>) -> mlua::Result<()> {
    let found = with_world(lua, |w| {
        if !w.may_call(id) {
            return None;
        }
        w.registration(id).map(|r| (r.generation, r.listener.clone(), w.generation()))
    });
    let Some((generation, listener, current)) = found else { return Ok(()) };
    if listener == Listener::Timeout {
        with_world(lua, |w| w.forget_registration(id));
    }
    let what = listener.describe();
    crate::hostlimit::doing(|| format!("running the callback #{id} {what}"));
    let target = if generation == current { Some(lua.clone()) } else { device(lua).state(generation) };
    let Some(target) = target else { return Ok(()) };
    let Some(callback) = target
        .named_registry_value::<Option<Table>>(CALLBACKS_KEY)?
        .map(|t| t.get::<Option<Function>>(id))
        .transpose()?
        .flatten()
    else {
        return Ok(());
    };
    let values = match callback_values(&target, &args) {
        Ok(values) => values,
        Err(mlua::Error::MemoryError(_)) => {
            let (tag, text) = match &args {
                CallbackArgs::Mqtt { topic, payload } => (
                    "mqtt",
                    format!("message dropped (does not fit in the Lua heap): {topic} ({} bytes)", payload.len()),
                ),
                _ => ("firmware", format!("callback dropped (its data does not fit in the Lua heap): {what}")),
            };
            with_world(lua, |w| w.drop_too_big(tag, text));
            return Ok(());
        }
        Err(other) => return Err(other),
    };
    with_world(lua, |w| w.record_flow(EventKind::Callback { id, generation, what: what.clone() }, flow));
    let mut call_args = vec![Value::Function(callback)];
    call_args.extend(values);
    let protected: Function = target.named_registry_value(CALL_PROTECTED)?;
    let failure = match protected.call::<(bool, Value)>(MultiValue::from_vec(call_args)) {
        Ok((true, _)) => None,
        Ok((false, err)) => Some(super::describe_error(&err)),
        Err(err) => Some(err.to_string()),
    };
    if let Some(message) = failure {
        crate::device::note_out_of_memory(&target, &format!("callback {what}"), &message);
        with_world(lua, |w| {
            if w.halt().is_none() {
                w.record(EventKind::Error { what: format!("callback {what}"), message });
            }
        });
    }
    Ok(())
}

/// The values the callback is called with, made in its state's heap; a memory error means the
/// message does not fit and is dropped.
fn callback_values(lua: &Lua, args: &CallbackArgs) -> mlua::Result<Vec<Value>> {
    Ok(match args {
        CallbackArgs::None => vec![],
        CallbackArgs::Event(data) => vec![json_to_lua(lua, data)?],
        CallbackArgs::Mqtt { topic, payload } => {
            vec![Value::String(lua.create_string(topic)?), Value::String(lua.create_string(payload)?)]
        }
    })
}
