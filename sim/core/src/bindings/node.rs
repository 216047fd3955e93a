//! `Node`: the device itself. `restart()` reboots, `uptime()` is milliseconds since boot,
//! `ip()` the station address (nil when there is none), `setTimeout(ms, fn)` a one-shot
//! firmware timer (not one of the 64 rtos timer slots) that calls `fn()` on the virtual clock.
//! `deepSleep(ms)` ends this boot (nil: sleep until a GPIO wake), `lightSleep(ms)` pauses with
//! everything kept and returns the wake cause, `wakeCause()` says why the device runs:
//! `power-on`, `timer`, `gpio`, `reset`, `brownout`, or `reload` after a hot reload.

use super::{check_running, function, global_table, halting, keep_callback, Args, BindResult, Binding};
use crate::device::with_world;
use crate::world::Halt;
use mlua::{Lua, Value};

pub const BINDING: Binding = Binding { name: "Node", module: None, lean: true, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(
        lua,
        "Node",
        vec![
            ("restart", function(lua, "restart", restart)?),
            ("uptime", function(lua, "uptime", uptime)?),
            ("ip", function(lua, "ip", ip)?),
            ("setTimeout", function(lua, "setTimeout", set_timeout)?),
            ("deepSleep", function(lua, "deepSleep", deep_sleep)?),
            ("lightSleep", function(lua, "lightSleep", light_sleep)?),
            ("wakeCause", function(lua, "wakeCause", |lua, _| Ok(with_world(lua, |w| w.wake_cause().as_str())))?),
        ],
    )?;
    Ok(())
}

fn restart(lua: &Lua, _: Args) -> BindResult<()> {
    with_world(lua, |w| w.request_halt(Halt::Reboot { cause: "Node.restart".into() }));
    Err(halting(lua))
}

fn uptime(lua: &Lua, _: Args) -> BindResult<i64> {
    Ok(with_world(lua, |w| w.clock().ticks_since_boot() as i64 * 1000 / w.clock().tick_hz() as i64))
}

fn ip(lua: &Lua, _: Args) -> BindResult<Value> {
    let ip = with_world(lua, |w| w.ip().to_string());
    if ip.is_empty() {
        return Ok(Value::Nil);
    }
    Ok(Value::String(lua.create_string(ip)?))
}

fn set_timeout(lua: &Lua, args: Args) -> BindResult<i64> {
    let ms = args.integer(1)?;
    let f = args.function(2)?;
    if ms < 0 {
        return Err(args.error(1, format!("timeout must be >= 0 ms, got {ms}")));
    }
    let id = with_world(lua, |w| w.set_timeout(ms as u64));
    keep_callback(lua, id, f)?;
    Ok(id as i64)
}

/// The sleep time of `Node.deepSleep` / `lightSleep`: nil (until woken) or >= 0 ms.
pub fn sleep_ms(args: &Args) -> BindResult<Option<u64>> {
    match args.opt_integer(1)? {
        Some(ms) if ms < 0 => Err(args.error(1, format!("sleep time must be >= 0 ms, got {ms}"))),
        other => Ok(other.map(|ms| ms as u64)),
    }
}

/// Ends this boot; with the whole VM in the sleep region, returns the wake cause instead.
fn deep_sleep(lua: &Lua, args: Args) -> BindResult<&'static str> {
    let ms = sleep_ms(&args)?;
    let resumed = with_world(lua, |w| {
        if w.profile().vm_in_sleep_region {
            w.deep_sleep_keeping_vm(ms)
        } else {
            w.request_halt(Halt::DeepSleep { ms });
            None
        }
    });
    match resumed {
        Some(cause) => Ok(cause.as_str()),
        None => Err(halting(lua)),
    }
}

fn light_sleep(lua: &Lua, args: Args) -> BindResult<&'static str> {
    let ms = args.integer(1)?;
    if ms < 0 {
        return Err(args.error(1, format!("sleep time must be >= 0 ms, got {ms}")));
    }
    let ms = ms as u64;
    let cause = with_world(lua, |w| w.light_sleep(ms));
    check_running(lua)?;
    Ok(cause.as_str())
}
