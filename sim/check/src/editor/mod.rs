//! The device API (`api.rs`, from `device.yaml`) as definitions for editors and linters: LuaCATS
//! `---@meta` files and a `.luarc.json` for a Lua language server (`luals`), and a selene
//! standard library (`selene`). Written for one build, so a global of an optional firmware
//! module the build lacks is not defined, and neither is anything the sandbox removes: an editor
//! then flags what the device would fail on, as `luasim check` does.

pub mod luals;
pub mod selene;

use crate::api::{DeviceApi, Entry};

/// The build definitions are written for: its profile and the optional firmware modules it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub profile: String,
    pub modules: Vec<String>,
}

impl Build {
    /// One line naming the build, for the files' headers.
    pub fn describe(&self) -> String {
        let modules = if self.modules.is_empty() { "none".to_string() } else { self.modules.join(", ") };
        format!("the {} build (optional firmware modules: {modules})", self.profile)
    }
}

/// The globals a script sees on `build`, in name order.
pub fn globals<'a>(api: &'a DeviceApi, build: &'a Build) -> impl Iterator<Item = (&'a str, &'a Entry)> {
    api.globals
        .iter()
        .filter(|(_, e)| e.needs.as_ref().is_none_or(|m| build.modules.contains(m)))
        .map(|(name, e)| (name.as_str(), e))
}
