//! What a mock state (the firmware-side Lua state of a user module's mock, built by
//! `runtime::mocks`) carries, for the bindings that call into it: the table of functions its
//! chunk returned, its chunk name, the device it belongs to, and an instruction budget per call
//! so that a mock that never returns is stopped with an error instead of hanging the run.

use super::Device;
use crate::lua_error::LuaError;
use mlua::{HookTriggers, Lua, VmState};
use std::cell::Cell;
use std::rc::{Rc, Weak};

/// Registry slot of the table the mock's chunk returned.
pub const EXPORTS: &str = "luasim.mock_exports";
/// Registry slot of the mock's chunk name (`modules/display.lua`).
pub const CHUNK: &str = "luasim.mock_chunk";

/// Why a module's mock did not load: traced once at boot, and the reason its calls fail.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MockError {
    /// Its Lua state could not be set up.
    #[error(transparent)]
    State(#[from] LuaError),
    /// Its chunk returned something other than a table.
    #[error("{chunk}: the mock returns a {type_name} instead of a table of the module's functions")]
    NotATable { chunk: String, type_name: &'static str },
    /// Its chunk raised an error: the message, without mlua's traceback.
    #[error("{0}")]
    Raised(String),
}

impl From<mlua::Error> for MockError {
    fn from(e: mlua::Error) -> MockError {
        MockError::State(LuaError::from(e))
    }
}

/// Most Lua instructions one call into a mock may run.
pub const MAX_INSTRUCTIONS: u64 = 10_000_000;
/// Instructions between hook calls.
const STRIDE: u32 = 1_000;

/// The app data of a mock state: its device (weakly: the device holds the state) and module.
pub struct MockOf {
    pub device: Weak<Device>,
    pub module: String,
    used: Cell<u64>,
}

/// Makes `lua` a mock of `module` on `device`, with the instruction budget in force.
pub fn adopt(lua: &Lua, device: &Rc<Device>, module: &str) -> mlua::Result<()> {
    lua.set_app_data(MockOf { device: Rc::downgrade(device), module: module.to_string(), used: Cell::new(0) });
    lua.set_global_hook(HookTriggers::new().every_nth_instruction(STRIDE), |lua, _| {
        let over = lua.app_data_ref::<MockOf>().is_some_and(|m| {
            m.used.set(m.used.get() + STRIDE as u64);
            m.used.get() > MAX_INSTRUCTIONS
        });
        if over {
            return Err(mlua::Error::runtime(format!(
                "the mock ran more than {MAX_INSTRUCTIONS} instructions without returning"
            )));
        }
        Ok(VmState::Continue)
    })
}

/// A new call starts with the whole budget.
pub fn reset_budget(lua: &Lua) {
    if let Some(m) = lua.app_data_ref::<MockOf>() {
        m.used.set(0);
    }
}

/// Runs `f` with the world of the mock state `lua`'s device (`None` once the run is over).
pub fn with_world<R>(lua: &Lua, f: impl FnOnce(&mut crate::world::World, &str) -> R) -> Option<R> {
    let mock = lua.app_data_ref::<MockOf>()?;
    let device = mock.device.upgrade()?;
    Some(device.with_world(|w| f(w, &mock.module)))
}
