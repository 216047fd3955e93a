//! The bare side of the timer storm: a stub `rtos` and `log` in Rust, on a virtual clock, with
//! the simulator's timer order (by expiry tick, then by (re)insertion, `world/timers.rs`) and its
//! 64 slots, so the same `sys.lua` and script see the same expiries in the same order. One tick
//! is one millisecond (the workload's `tick_hz: 1000`). At `end_ms` it delivers the workload's
//! `END` publish; the receive after that raises `DONE`.

use luasim_core::contract::rtos::constant;
use mlua::{Lua, MultiValue, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The error that ends the bare run.
pub const DONE: &str = "bench done";
const SLOTS: usize = 64;

struct Armed {
    period: u64,
    /// Firings left including the next one; `None` repeats forever.
    fires_left: Option<u64>,
    key: (u64, u64),
}

struct Timers {
    now: u64,
    end: Option<u64>,
    next_seq: u64,
    active: BTreeMap<(u64, u64), i64>,
    armed: BTreeMap<i64, Armed>,
}

impl Timers {
    fn start(&mut self, id: i64, ms: u64, repeat: i64) -> bool {
        self.stop(id);
        if self.armed.len() == SLOTS {
            return false;
        }
        let key = self.insert(self.now + ms, id);
        self.armed.insert(id, Armed { period: ms, fires_left: u64::try_from(repeat).ok().map(|n| n + 1), key });
        true
    }

    fn stop(&mut self, id: i64) {
        if let Some(armed) = self.armed.remove(&id) {
            self.active.remove(&armed.key);
        }
    }

    fn insert(&mut self, due: u64, id: i64) -> (u64, u64) {
        let key = (due, self.next_seq);
        self.next_seq += 1;
        self.active.insert(key, id);
        key
    }

    /// The next message: the earliest expiry up to the end, then the end's publish, then none.
    fn next(&mut self) -> Option<Message> {
        let end = self.end?;
        let due = self.active.first_key_value().map(|(&key, &id)| (key, id)).filter(|((tick, _), _)| *tick <= end);
        let Some((key, id)) = due else {
            self.end = None;
            self.now = end;
            return Some(Message::End);
        };
        self.active.remove(&key);
        self.now = key.0;
        let armed = self.armed.get_mut(&id).expect("an active timer is armed");
        let repeat = match &mut armed.fires_left {
            None => -1,
            Some(left) => {
                *left -= 1;
                *left as i64
            }
        };
        if repeat == 0 {
            self.armed.remove(&id);
        } else {
            let next = key.0 + armed.period;
            let key = self.insert(next, id);
            self.armed.get_mut(&id).expect("still armed").key = key;
        }
        Some(Message::Timer { id, repeat })
    }
}

enum Message {
    Timer { id: i64, repeat: i64 },
    End,
}

/// Installs `rtos` and `log` as globals, the clock at `boot_ms`. Returns where `log.info` puts
/// the count the script logs.
pub fn install(lua: &Lua, boot_ms: u64, end_ms: u64) -> mlua::Result<Rc<Cell<Option<u64>>>> {
    let timers = Rc::new(RefCell::new(Timers {
        now: boot_ms,
        end: Some(end_ms),
        next_seq: 0,
        active: BTreeMap::new(),
        armed: BTreeMap::new(),
    }));
    let rtos = lua.create_table()?;
    for tag in constant::SET.tags {
        rtos.set(tag.name, tag.value)?;
    }
    let t = timers.clone();
    rtos.set(
        "timer_start",
        lua.create_function(move |_, (id, ms, repeat): (i64, u64, Option<i64>)| {
            Ok(if t.borrow_mut().start(id, ms, repeat.unwrap_or(0)) { 1 } else { 0 })
        })?,
    )?;
    let t = timers.clone();
    rtos.set(
        "timer_stop",
        lua.create_function(move |_, id: i64| {
            t.borrow_mut().stop(id);
            Ok(())
        })?,
    )?;
    rtos.set(
        "receive",
        lua.create_function(move |lua, _: MultiValue| {
            let values = match timers.borrow_mut().next() {
                Some(Message::Timer { id, repeat }) => {
                    vec![Value::Integer(constant::MSG_TIMER), Value::Integer(id), Value::Integer(repeat)]
                }
                Some(Message::End) => vec![
                    Value::Integer(constant::MSG_PUBLISH),
                    Value::String(lua.create_string("END")?),
                    Value::Integer(0),
                ],
                None => return Err(mlua::Error::runtime(DONE)),
            };
            Ok(MultiValue::from_vec(values))
        })?,
    )?;
    lua.globals().set("rtos", rtos)?;
    let logged = Rc::new(Cell::new(None));
    let log = lua.create_table()?;
    let quiet = lua.create_function(|_, _: MultiValue| Ok(()))?;
    for level in ["debug", "warn", "error"] {
        log.set(level, quiet.clone())?;
    }
    let count = logged.clone();
    log.set(
        "info",
        lua.create_function(move |_, (_, n): (String, u64)| {
            count.set(Some(n));
            Ok(())
        })?,
    )?;
    lua.globals().set("log", log)?;
    Ok(logged)
}
