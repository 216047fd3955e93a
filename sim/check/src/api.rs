//! The device API as data: `sim/check/api/device.yaml`, compiled in.
//!
//! Every global a script sees on the device (the Lua base library as the sandbox leaves it,
//! `sys.lua`, the firmware bindings), each module's fields, each function's signature, which
//! globals exist only on builds with an optional firmware module, and what the sandbox removes.
//! The pre-flight lint reads it, `luasim check --api` prints it, and the conformance test builds
//! a real device state and checks the two agree, so this description cannot drift from the
//! runtime.

pub use luasim_core::apidoc::{Entry, Kind};
use luasim_core::project::UserModules;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// The YAML text, as shipped.
pub const DEVICE_YAML: &str = include_str!("../api/device.yaml");

/// The whole Lua-visible surface of a device state.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceApi {
    /// The Lua version the description is for (`5.4`).
    pub lua: String,
    pub globals: BTreeMap<String, Entry>,
    /// Globals the runtime does not define that scripts are meant to set, with what they do.
    pub settings: BTreeMap<String, String>,
    /// Dotted paths the sandbox removes, with the reason.
    pub removed: BTreeMap<String, String>,
}

/// Where a dotted path leads in the description.
pub enum Lookup<'a> {
    /// The path names this entry.
    Found(&'a Entry),
    /// `path[at]` is not a field of the table `path[..at]`.
    NoField { table: &'a Entry, at: usize },
    /// The path goes on past a function, a constant or an open table: not described.
    Beyond,
    /// The root is not a global of the device.
    NoGlobal,
}

impl DeviceApi {
    /// The description compiled into this binary.
    pub fn get() -> &'static DeviceApi {
        static API: OnceLock<DeviceApi> = OnceLock::new();
        API.get_or_init(|| DeviceApi::parse(DEVICE_YAML).expect("sim/check/api/device.yaml is valid (tested)"))
    }

    pub fn parse(text: &str) -> Result<DeviceApi, serde_yaml::Error> {
        serde_yaml::from_str(text)
    }

    /// The description of a build with the project's own `modules` too: each one a global
    /// table with its declared fields, which the lints and editor definitions then know.
    pub fn with_modules(modules: &UserModules) -> DeviceApi {
        let mut api = DeviceApi::parse(DEVICE_YAML).expect("sim/check/api/device.yaml is valid (tested)");
        for m in &modules.0 {
            api.globals.insert(m.name.clone(), m.entry.clone());
        }
        api
    }

    /// Follows `path` (`["Telegram", "broadcast"]`) through globals and fields.
    pub fn lookup<S: AsRef<str>>(&self, path: &[S]) -> Lookup<'_> {
        let Some(mut entry) = path.first().and_then(|root| self.globals.get(root.as_ref())) else {
            return Lookup::NoGlobal;
        };
        for (at, name) in path.iter().enumerate().skip(1) {
            match entry.fields() {
                Some(fields) => match fields.get(name.as_ref()) {
                    Some(next) => entry = next,
                    None => return Lookup::NoField { table: entry, at },
                },
                None => return Lookup::Beyond,
            }
        }
        Lookup::Found(entry)
    }

    /// The removed entry `path` starts with (`io` for `io.open`), with its reason.
    pub fn removed_prefix<S: AsRef<str>>(&self, path: &[S]) -> Option<(&str, &str)> {
        (1..=path.len()).find_map(|n| {
            let joined = path[..n].iter().map(AsRef::as_ref).collect::<Vec<_>>().join(".");
            self.removed.get_key_value(&joined).map(|(k, v)| (k.as_str(), v.as_str()))
        })
    }

    /// The reference as Markdown (`luasim check --api`, `docs/device-api.md`).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Device API (Lua {})\n", self.lua);
        out.push_str(
            "Generated from [`sim/check/api/device.yaml`](../sim/check/api/device.yaml) by `luasim check --api`; \
             the conformance test `tests/tests/device_api.rs` checks it against a real device state.\n\n\
             Like the device's C code, `string` parameters accept numbers and `number`/`integer` \
             parameters accept numeric strings; `name?` is optional. After `->` come the results in \
             order: `type?` may be nil, `...type` is any number more.\n",
        );
        for (name, entry) in &self.globals {
            let _ = write!(out, "\n## `{name}`");
            if let Some(module) = &entry.needs {
                let _ = write!(out, " (only with the `{module}` firmware module)");
            }
            out.push('\n');
            if let Some(doc) = &entry.doc {
                let _ = writeln!(out, "\n{doc}");
            }
            match &entry.kind {
                Kind::Function(sig) => {
                    let _ = writeln!(out, "\n- `{name}{sig}`");
                }
                Kind::Value(ty) => {
                    let _ = writeln!(out, "\n- `{name}`: {ty}");
                }
                Kind::Table { fields, open } => {
                    if *open {
                        let _ = writeln!(out, "\nA table of data (any keys).");
                    }
                    out.push('\n');
                    for (field, e) in fields {
                        let line = match &e.kind {
                            Kind::Function(sig) => format!("`{name}.{field}{sig}`"),
                            Kind::Value(ty) => format!("`{name}.{field}`: {ty}"),
                            Kind::Table { .. } => format!("`{name}.{field}`: table"),
                        };
                        let line = match &e.needs {
                            Some(module) => format!("{line} (only with the `{module}` module)"),
                            None => line,
                        };
                        match &e.doc {
                            Some(doc) => {
                                let _ = writeln!(out, "- {line}: {doc}");
                            }
                            None => {
                                let _ = writeln!(out, "- {line}");
                            }
                        }
                    }
                }
            }
        }
        out.push_str("\n## Settings\n\nGlobals the device does not define that scripts are meant to set:\n\n");
        for (name, doc) in &self.settings {
            let _ = writeln!(out, "- `{name}`: {doc}");
        }
        out.push_str("\n## Removed by the sandbox\n\n");
        for (path, why) in &self.removed {
            let _ = writeln!(out, "- `{path}`: {why}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_description_parses_and_resolves_paths() {
        let api = DeviceApi::get();
        assert!(matches!(api.lookup(&["Telegram", "broadcast"]), Lookup::Found(e) if e.signature().is_some()));
        assert!(matches!(api.lookup(&["Telegram", "brodcast"]), Lookup::NoField { at: 1, .. }));
        assert!(matches!(api.lookup(&["package", "loaded", "sys"]), Lookup::Beyond));
        assert!(matches!(api.lookup(&["Telgram"]), Lookup::NoGlobal));
        assert_eq!(api.globals["Telegram"].needs.as_deref(), Some("telegram"));
        assert_eq!(api.removed_prefix(&["io", "open"]).map(|(p, _)| p), Some("io"));
        assert_eq!(api.removed_prefix(&["os", "time"]), None);
    }

    #[test]
    fn an_entry_is_exactly_one_kind() {
        let err =
            DeviceApi::parse("lua: '5.4'\nsettings: {}\nremoved: {}\nglobals:\n  x: { value: number, fn: '()' }\n")
                .unwrap_err();
        assert!(err.to_string().contains("exactly one of"), "{err}");
    }
}
