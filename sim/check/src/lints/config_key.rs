//! `Config.get("a.b")` of a key that no scenario's configuration has: on the device the call
//! returns nil without a word, so a misspelled key quietly falls back to a script's default.
//! Only when the check knows scenarios: their `config:` trees and `config` steps are the
//! configurations the scripts are tested with.

use super::{first_of_each, more_uses, Lint, LintContext};
use crate::report::{Finding, Severity};
use crate::scan::{Access, Literal, Use};
use luasim_core::suggest::nearest_name;

pub struct ConfigKey;

/// The key of a `Config.get("literal")` call.
fn key_read(u: &Use) -> Option<&str> {
    let Access::Call(call) = &u.access else { return None };
    if u.path.len() != 2 || u.path[0] != "Config" || u.path[1] != "get" || call.method {
        return None;
    }
    match call.args.first()?.literal.as_ref()? {
        Literal::String(key) => Some(key),
        _ => None,
    }
}

impl Lint for ConfigKey {
    fn code(&self) -> &'static str {
        "config-key"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let Some(keys) = cx.config_keys else { return };
        if cx.assigned.contains("Config") {
            return;
        }
        let unknown = cx.scan.uses.iter().filter(|u| key_read(u).is_some_and(|k| !keys.contains(k)));
        for (u, more) in first_of_each(unknown, |u| key_read(u).map(str::to_string)) {
            let Access::Call(call) = &u.access else { continue };
            let key = key_read(u).expect("filtered on it");
            let hint = nearest_name(key, keys.iter().map(String::as_str))
                .map(luasim_core::suggest::did_you_mean)
                .unwrap_or_default();
            out.push(cx.finding(
                Severity::Warning,
                self.code(),
                call.args[0].at,
                format!(
                    "`Config.get(\"{key}\")`: no scenario's config has `{key}`, so on the device it reads nil{hint}{}",
                    more_uses(more)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source_with_config;

    #[test]
    fn a_key_no_scenario_has_is_a_warning_with_the_nearest_one() {
        let source = "local t = Config.get('boiler.treshold') or 80\nlocal p = Config.get('mqtt.prefix')\n\
                      local u = Config.get('boiler.treshold')\nlocal name = 'x'\nlocal k = Config.get(name)\n";
        let found = lint_source_with_config(source, &["boiler", "boiler.threshold", "mqtt", "mqtt.prefix"]);
        assert_eq!(
            found,
            ["1:22 config-key `Config.get(\"boiler.treshold\")`: no scenario's config has `boiler.treshold`, so on the \
              device it reads nil; did you mean `boiler.threshold`? (and 1 more use)"]
        );
    }
}
