//! The lints: one file each, each implementing `Lint`, all registered in `ALL`.
//!
//! A lint looks at the uses of globals one script makes (`scan`) against the device API
//! (`api`), the target build when `--device` names one, and the globals the scripts themselves
//! assign, and reports findings at file, line and column.

mod argument_count;
mod argument_type;
mod binary_load;
mod config_key;
mod global_leak;
mod missing_module;
mod sandboxed;
mod unknown_field;
mod unknown_global;

use super::api::DeviceApi;
use super::report::{Finding, Severity};
use super::scan::{Pos, Scan};
use luasim_core::profile::Profile;
use std::collections::BTreeSet;

/// What a lint sees of one script.
pub struct LintContext<'a> {
    /// The script as the user named it.
    pub file: &'a str,
    pub scan: &'a Scan,
    pub api: &'a DeviceApi,
    /// The build the scripts are for (`--device`), if known.
    pub target: Option<&'a Profile>,
    /// Globals and fields the scripts assign themselves (`RULES_VERSION`, `sys.helper`).
    pub assigned: &'a BTreeSet<String>,
    /// Globals that the other scripts (the other candidates, and the other files of the
    /// scenarios they run in) read: shared on purpose.
    pub read_elsewhere: &'a BTreeSet<String>,
    /// Every dotted key of the scenarios' configurations (`config:` and `config` steps), when
    /// the check knows scenarios.
    pub config_keys: Option<&'a BTreeSet<String>>,
    /// Names every script gives table fields (`Scan::fields_named`, all scripts together).
    pub fields_named: &'a BTreeSet<String>,
}

impl LintContext<'_> {
    pub fn finding(&self, severity: Severity, code: &str, at: Pos, message: impl Into<String>) -> Finding {
        Finding::new(severity, code, message).at(self.file, at.line, Some(at.column))
    }
}

/// One check of a script against the device API.
pub trait Lint: Sync {
    /// The code findings carry (`unknown-field`).
    fn code(&self) -> &'static str;
    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>);
}

/// Every lint, in the order they run.
pub const ALL: &[&dyn Lint] = &[
    &unknown_global::UnknownGlobal,
    &unknown_field::UnknownField,
    &missing_module::MissingModule,
    &sandboxed::Sandboxed,
    &argument_count::ArgumentCount,
    &argument_type::ArgumentType,
    &binary_load::BinaryLoad,
    &global_leak::GlobalLeak,
    &config_key::ConfigKey,
];

/// Runs every lint on one script.
pub fn lint(cx: &LintContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for lint in ALL {
        lint.check(cx, &mut out);
    }
    out
}

/// The first use for each key, with how many more uses share it: one finding per name, not one
/// per line that repeats the mistake.
fn first_of_each<'a, T, K: Ord>(uses: impl Iterator<Item = &'a T>, key: impl Fn(&T) -> K) -> Vec<(&'a T, usize)> {
    let mut seen: Vec<(K, &'a T, usize)> = Vec::new();
    for u in uses {
        let k = key(u);
        match seen.iter_mut().find(|(sk, _, _)| *sk == k) {
            Some((_, _, more)) => *more += 1,
            None => seen.push((k, u, 0)),
        }
    }
    seen.into_iter().map(|(_, u, more)| (u, more)).collect()
}

/// " (and 3 more uses)".
fn more_uses(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more use)".into(),
        n => format!(" (and {n} more uses)"),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::scan::scan;

    /// Findings of every lint for `source`, as `line:column code message`.
    pub fn lint_source(source: &str, device: Option<&str>, assigned: &[&str]) -> Vec<String> {
        lint_with(source, device, assigned, None)
    }

    /// The same, with scenarios whose configurations have these dotted keys.
    pub fn lint_source_with_config(source: &str, keys: &[&str]) -> Vec<String> {
        let keys: BTreeSet<String> = keys.iter().map(|s| s.to_string()).collect();
        lint_with(source, Some("esp32"), &[], Some(&keys))
    }

    fn lint_with(
        source: &str,
        device: Option<&str>,
        assigned: &[&str],
        keys: Option<&BTreeSet<String>>,
    ) -> Vec<String> {
        let scan = scan(source).expect("test sources parse");
        let target = device.map(|d| Profile::built_in(d).expect("a built-in profile"));
        let assigned: BTreeSet<String> = assigned.iter().map(|s| s.to_string()).collect();
        let read_elsewhere = BTreeSet::new();
        let cx = LintContext {
            file: "rules.lua",
            scan: &scan,
            api: DeviceApi::get(),
            target: target.as_ref(),
            assigned: &assigned,
            read_elsewhere: &read_elsewhere,
            config_keys: keys,
            fields_named: &scan.fields_named,
        };
        lint(&cx)
            .into_iter()
            .map(|f| format!("{}:{} {} {}", f.line.unwrap_or(0), f.column.unwrap_or(0), f.code, f.message))
            .collect()
    }

    #[test]
    fn a_clean_script_has_no_findings() {
        let source = "local prefix = Config.get('mqtt.prefix') or 'device'\n\
                      EventBus.subscribe('sensor.temperature', function(data)\n\
                        if Telegram then Telegram.broadcast('hot ' .. data.value) end\n\
                        MQTT.publish(prefix .. '/t', tostring(data.value))\n\
                        sys.timerStart(function() log.info('x', 1) end, 1000)\n\
                      end)\n";
        assert_eq!(lint_source(source, Some("esp32"), &[]), Vec::<String>::new());
    }
}
