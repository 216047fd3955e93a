//! Optional firmware modules (`Telegram`, `GNSS`) used without a guard. They exist only on
//! builds with the module; elsewhere the global is nil and the first use fails. A use behind a
//! test of the global (`if Telegram then`, `Telegram and ...`, `if not Telegram then return
//! end`) is fine everywhere.

use super::{first_of_each, more_uses, Lint, LintContext};
use crate::report::{Finding, Severity};
use crate::scan::Access;
use luasim_core::profile::{built_in_names, Profile};

pub struct MissingModule;

impl Lint for MissingModule {
    fn code(&self) -> &'static str {
        "missing-module"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let needs = |root: &str| cx.api.globals.get(root).and_then(|e| e.needs.clone());
        let unguarded = cx.scan.uses.iter().filter(|u| {
            !u.is_bare()
                && !matches!(u.access, Access::Write)
                && !cx.assigned.contains(&u.path[0])
                && needs(&u.path[0]).is_some()
                && !cx.scan.guarded(u)
        });
        for (u, more) in first_of_each(unguarded, |u| u.path[0].clone()) {
            let root = &u.path[0];
            let module = needs(root).expect("filtered on it");
            let (with, without) = builds(&module);
            let guard = format!("guard it with `if {root} then ... end`");
            let finding = match cx.target {
                Some(target) if target.modules.contains(&module) => continue,
                Some(target) => cx
                    .finding(
                        Severity::Error,
                        self.code(),
                        u.at[0],
                        format!(
                            "`{root}` is not on {}: the build has no `{module}` module, so `{root}` is nil and `{}` fails{}",
                            target.name,
                            u.name(),
                            more_uses(more)
                        ),
                    )
                    .help(format!("{guard}, or push this script only to builds with `{module}` ({with})")),
                None => cx
                    .finding(
                        Severity::Warning,
                        self.code(),
                        u.at[0],
                        format!(
                            "`{root}` exists only on builds with the `{module}` module ({with}; not {without}) and this use is not guarded{}",
                            more_uses(more)
                        ),
                    )
                    .help(format!("{guard}, or name the target build with --device")),
            };
            out.push(finding);
        }
    }
}

/// Built-in profiles with and without `module`, as lists.
fn builds(module: &str) -> (String, String) {
    let (with, without): (Vec<&str>, Vec<&str>) = built_in_names()
        .partition(|name| Profile::built_in(name).is_some_and(|p| p.modules.iter().any(|m| m == module)));
    let list = |v: Vec<&str>| if v.is_empty() { "none".to_string() } else { v.join(", ") };
    (list(with), list(without))
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    const UNGUARDED: &str = "EventBus.subscribe('t', function(d)\n  Telegram.broadcast('hot')\nend)\n";

    #[test]
    fn an_unguarded_optional_module_is_an_error_on_a_build_without_it() {
        assert_eq!(
            lint_source(UNGUARDED, Some("esp32"), &[]),
            ["2:3 missing-module `Telegram` is not on esp32: the build has no `telegram` module, so `Telegram` is nil \
              and `Telegram.broadcast` fails"]
        );
        assert!(lint_source(UNGUARDED, Some("esp32s3"), &[]).is_empty());
    }

    #[test]
    fn without_a_target_it_is_a_warning_and_guards_silence_it() {
        let found = lint_source(UNGUARDED, None, &[]);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("(esp32s3, esp32c3; not esp32)"), "{found:?}");
        let guarded = "if not Telegram then return end\nTelegram.broadcast('hot')\n";
        assert!(lint_source(guarded, Some("esp32"), &[]).is_empty());
    }
}
