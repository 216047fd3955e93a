//! The task watchdog, in virtual CPU time.
//!
//! An instruction-count hook charges Lua's work to the world; Lua running longer than the
//! profile's watchdog period (period × estimated instructions per ms) without blocking on the
//! rtos queue is stopped with an error naming file and line. The same hook enforces a halt:
//! once the device is halting it raises on every instruction, so `pcall` cannot keep a script
//! alive. Lua runs in zero virtual time otherwise; this count only drives the watchdog.

use super::with_world;
use crate::world::Halt;
use mlua::debug::{Debug, DebugEvent};
use mlua::{HookTriggers, Lua, Result, VmState};

/// Instructions between hook calls while running normally.
pub const STRIDE: u32 = 1_000;

/// Installs the watchdog for every thread of this state, including coroutines made later.
pub fn install(lua: &Lua) -> Result<()> {
    lua.set_global_hook(triggers(lua, STRIDE), hook)
}

/// Makes the hook fire on every instruction (used once the device is halting).
pub fn tighten(lua: &Lua) {
    // Replacing the hook cannot fail for a live state; if it did, the stride hook still raises.
    let _ = lua.set_global_hook(triggers(lua, 1), hook);
}

/// Every `stride` instructions, and at every new line when the run counts coverage (the
/// instruction count is the same either way).
fn triggers(lua: &Lua, stride: u32) -> HookTriggers {
    let triggers = HookTriggers::new().every_nth_instruction(stride);
    if super::device(lua).covering() {
        triggers.every_line()
    } else {
        triggers
    }
}

fn hook(lua: &Lua, debug: &Debug) -> Result<VmState> {
    if debug.event() == DebugEvent::Line {
        count_line(lua, debug);
        return Ok(VmState::Continue);
    }
    let used = crate::memory::host_heap(lua);
    let tripped = with_world(lua, |w| {
        if w.halt().is_some() {
            None
        } else {
            w.note_host_heap(used);
            Some(w.charge_instructions(STRIDE as u64))
        }
    });
    match tripped {
        Some(false) => Ok(VmState::Continue),
        Some(true) => {
            let location = script_location(lua).unwrap_or_else(|| {
                let source = debug.source();
                let file = source.short_src.as_deref().unwrap_or("?").to_string();
                let line = debug.current_line().map_or("?".to_string(), |l| l.to_string());
                format!("{file}:{line}")
            });
            with_world(lua, |w| w.request_halt(Halt::Watchdog { location }));
            Err(mlua::Error::runtime(halting_message(lua)))
        }
        None => Err(mlua::Error::runtime(halting_message(lua))),
    }
}

/// `file:line` of the innermost running frame of a script on the device's flash, so that a
/// loop that spends its time in a binding's Lua wrapper or in `sys.lua` names the script's line.
pub fn script_location(lua: &Lua) -> Option<String> {
    (0..).map_while(|level| lua.inspect_stack(level, device_frame)).flatten().next()
}

fn device_frame(frame: &Debug) -> Option<String> {
    let source = frame.source();
    let on_flash = source.source.as_deref().is_some_and(|s| s.starts_with("@/"));
    let line = frame.current_line().filter(|_| on_flash)?;
    Some(format!("{}:{line}", source.short_src.as_deref().unwrap_or("?")))
}

/// The error raised into Lua while the device is halting. Also switches the instruction hook
/// to fire on every instruction, so a script that catches this error with `pcall` is stopped
/// again at its next instruction.
pub fn halting_message(lua: &Lua) -> String {
    tighten(lua);
    let reason = with_world(lua, |w| w.halt().map_or_else(|| "halted".to_string(), |h| h.to_string()));
    format!("device halted: {reason}")
}

/// A line of a script on the device's flash starts running.
fn count_line(lua: &Lua, debug: &Debug) {
    let source = debug.source();
    let Some(file) = source.source.as_deref().and_then(|s| s.strip_prefix('@')).filter(|s| s.starts_with('/')) else {
        return;
    };
    if let Some(line) = debug.current_line() {
        super::device(lua).with_coverage(|c| c.hit(file, line as u32));
    }
}
