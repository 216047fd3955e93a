//! Firmware modules as Lua sees them, one file per module, installed from one list.
//!
//! The list lives outside any Lua state, so every fresh state (boot, reboot, reload) gets the
//! same set. Bindings reach the simulation through the `World` stored in the state's app data;
//! they never hold that borrow while calling back into Lua.

mod log;
mod rtos;

use crate::world::World;
use mlua::{AppDataRefMut, Lua};

/// One firmware module: its global name and how it installs itself into a fresh state.
pub struct Binding {
    pub name: &'static str,
    pub install: fn(&Lua) -> mlua::Result<()>,
}

/// Every binding of the core runtime, in installation order.
pub const ALL: &[Binding] = &[rtos::BINDING, log::BINDING];

/// The world this Lua state belongs to.
pub fn world(lua: &Lua) -> AppDataRefMut<'_, World> {
    lua.app_data_mut::<World>()
        .expect("every device Lua state carries its World")
}

/// The error raised into Lua while the device is halting. Also switches the instruction hook
/// to fire on every instruction, so a script that catches this error with `pcall` is stopped
/// again at its next instruction.
pub fn halting(lua: &Lua) -> mlua::Error {
    crate::runtime::watchdog::tighten(lua);
    let reason = match world(lua).halt() {
        Some(h) => h.to_string(),
        None => "halted".to_string(),
    };
    mlua::Error::runtime(format!("device halted: {reason}"))
}
