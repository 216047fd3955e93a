//! Fields a device module does not have: `Telegram.brodcast` for `Telegram.broadcast`,
//! `MQTT.publsh`, `string.trim`. On the device the field is nil and calling it fails.

use super::{first_of_each, more_uses, Lint, LintContext};
use crate::api::Lookup;
use crate::report::{Finding, Severity};
use crate::scan::Access;
use luasim_core::suggest::nearest_name;

pub struct UnknownField;

impl Lint for UnknownField {
    fn code(&self) -> &'static str {
        "unknown-field"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let mut missing = Vec::new();
        for u in &cx.scan.uses {
            if matches!(u.access, Access::Write) || cx.assigned.contains(&u.path[0]) {
                continue;
            }
            if let Lookup::NoField { table, at } = cx.api.lookup(&u.path) {
                let path = &u.path[..=at];
                if cx.assigned.contains(&path.join(".")) || cx.api.removed_prefix(path).is_some() {
                    continue;
                }
                missing.push((u, table, at));
            }
        }
        for (u, more) in first_of_each(missing.iter().map(|(u, _, _)| *u), |u| u.path.clone()) {
            let (_, table, at) = missing.iter().find(|(m, _, _)| std::ptr::eq(*m, u)).expect("from this list");
            let parent = u.path[..*at].join(".");
            let field = &u.path[*at];
            let fields = table.fields().expect("NoField comes from a table");
            let help = match nearest_name(field, fields.keys().map(String::as_str)) {
                Some(name) => format!("did you mean `{parent}.{name}`?"),
                None => {
                    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                    format!("`{parent}` has: {}", names.join(", "))
                }
            };
            out.push(
                cx.finding(
                    Severity::Error,
                    self.code(),
                    u.at[*at],
                    format!("`{parent}.{field}` is not a field of `{parent}` on the device{}", more_uses(more)),
                )
                .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    #[test]
    fn misspelt_binding_fields_are_errors_with_a_suggestion() {
        let found =
            lint_source("if Telegram then\n  Telegram.brodcast('hot')\nend\nlocal n = string.strip\n", None, &[]);
        assert_eq!(
            found,
            [
                "2:12 unknown-field `Telegram.brodcast` is not a field of `Telegram` on the device",
                "4:18 unknown-field `string.strip` is not a field of `string` on the device",
            ]
        );
    }

    #[test]
    fn fields_the_scripts_add_and_open_tables_are_fine() {
        assert!(lint_source("print(sys.helper(), package.loaded.sys, _G.x)\n", None, &["sys.helper"]).is_empty());
    }
}
