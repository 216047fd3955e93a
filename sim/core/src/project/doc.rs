//! The project file format (`luasim.yaml`) as serde types; their doc comments are the
//! descriptions `luasim schema --project` gives editors.

use crate::scenario::{DeviceDoc, Duration};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A luasim project: the firmware build, where scripts and scenarios live, the check policy,
/// and the firmware modules of this build that luasim does not have built in.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a project: a mapping with `firmware`, `scripts`, `scenarios`, `check`, `modules`"
)]
#[schemars(title = "luasim project")]
pub(super) struct ProjectDoc {
    /// The firmware build: a built-in profile name, or `{ profile: NAME, modules: [...], ... }`
    /// with fields overridden. Scenarios without a `device:` run on it; `luasim check` targets it.
    #[serde(default)]
    pub firmware: Option<DeviceDoc>,
    /// The folder of the device scripts (`main.lua`, `rules.lua`), relative to this file
    /// (default `scripts`). Scenarios without `scripts:` mount it.
    #[serde(default)]
    pub scripts: Option<String>,
    /// The folder of the scenarios `luasim test` runs when given no path, relative to this file
    /// (default `scenarios`).
    #[serde(default)]
    pub scenarios: Option<String>,
    /// Defaults of `luasim check`; its command-line options override them.
    #[serde(default)]
    pub check: Option<CheckDoc>,
    /// The build's own firmware modules, by the global name scripts see (`Display`, `BME280`).
    #[serde(default)]
    pub modules: BTreeMap<String, ModuleDoc>,
}

/// One firmware module of the user's build.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ModuleDoc {
    /// Its surface, relative to this file: a YAML file in the form of luasim's own
    /// `sim/check/api/device.yaml` entries (`doc:`, `fields:` with `fn: "(text: string) -> boolean"`
    /// signatures and `value: integer` + `equals: 128` constants).
    pub surface: String,
    /// Its behaviour in Lua, relative to this file: a chunk returning a table of the module's
    /// functions, run in a firmware-side state of its own. Without it, every call returns what
    /// the scenario says (`returns:`, `set` steps).
    #[serde(default)]
    pub mock: Option<String>,
}

/// What `luasim check` does by default in this project.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckDoc {
    /// The builds the scripts are for, comma-separated built-in profile names (default: each
    /// scenario's own device).
    #[serde(default)]
    pub device: Option<String>,
    /// Fail when a scenario draws more charge per day than this (mAh).
    #[serde(default)]
    pub max_mah_per_day: Option<f64>,
    /// A candidate no scenario uses is an error, not a warning.
    #[serde(default)]
    pub strict: Option<bool>,
    /// Finding codes that are errors.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Finding codes that are warnings.
    #[serde(default)]
    pub warn: Vec<String>,
    /// How long the built-in smoke run idles after boot (`10m`).
    #[serde(default)]
    pub smoke_for: Option<Duration>,
}
