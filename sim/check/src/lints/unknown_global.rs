//! Globals the device does not have and no script assigns: a typo (`Telgram`), or a module of
//! another firmware. Indexing or calling one fails at run time ("attempt to index a nil value");
//! merely testing one (`if DEBUG then`) is only suspicious.

use super::{first_of_each, more_uses, Lint, LintContext};
use crate::report::{Finding, Severity};
use crate::scan::Access;
use luasim_core::suggest::nearest_name;

pub struct UnknownGlobal;

impl Lint for UnknownGlobal {
    fn code(&self) -> &'static str {
        "unknown-global"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let unknown = |root: &str| {
            !cx.api.globals.contains_key(root)
                && !cx.api.settings.contains_key(root)
                && !cx.assigned.contains(root)
                && cx.api.removed_prefix(&[root]).is_none()
                && root != "_ENV"
        };
        let uses = cx.scan.uses.iter().filter(|u| !matches!(u.access, Access::Write) && unknown(&u.path[0]));
        for (u, more) in first_of_each(uses, |u| (u.path[0].clone(), u.is_bare())) {
            let root = &u.path[0];
            let known = cx.api.globals.keys().chain(cx.api.settings.keys()).chain(cx.assigned.iter());
            let help = match nearest_name(root, known.map(String::as_str)) {
                Some(name) => format!("did you mean `{name}`?"),
                None => "no script assigns it and the device API (sim/check/api/device.yaml) has no such global".into(),
            };
            let finding = if u.is_bare() {
                cx.finding(
                    Severity::Warning,
                    self.code(),
                    u.at[0],
                    format!(
                        "`{root}` is not a global of the device and no script sets it: it is always nil{}",
                        more_uses(more)
                    ),
                )
            } else {
                cx.finding(
                    Severity::Error,
                    self.code(),
                    u.at[0],
                    format!(
                        "unknown global `{root}`: it is nil on the device, so `{}` fails{}",
                        u.name(),
                        more_uses(more)
                    ),
                )
            };
            out.push(finding.help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    #[test]
    fn typos_of_globals_are_errors_with_a_suggestion() {
        let found = lint_source("Telgram.send('a', 'b')\nTelgram.send('a', 'b')\nif DEBUG then end\n", None, &[]);
        assert_eq!(
            found,
            [
                "1:1 unknown-global unknown global `Telgram`: it is nil on the device, so `Telgram.send` fails (and 1 more use)",
                "3:4 unknown-global `DEBUG` is not a global of the device and no script sets it: it is always nil",
            ]
        );
    }

    #[test]
    fn globals_other_scripts_assign_are_known() {
        assert!(lint_source("MQTT.publish('v', tostring(RULES_VERSION))\n", None, &["RULES_VERSION"]).is_empty());
    }
}
