//! Optional firmware modules (`Telegram`, `GNSS`, LuatOS's `json` and `string.split`...) used
//! without a guard. They exist only on builds with the module; elsewhere the global (or field)
//! is nil and the first use fails. A use behind a
//! test of the global (`if Telegram then`, `Telegram and ...`, `if not Telegram then return
//! end`) is fine everywhere. A method call through a string (`s:toHex()`, 478 LuatOS files)
//! needs the module of that `string` field just the same, unless the scripts name a field of
//! their own so (then `s` may be their object).

use super::{first_of_each, more_uses, Lint, LintContext};
use crate::report::{Finding, Severity};
use crate::scan::Access;
use luasim_core::profile::{all_names, built_in_names, Profile};

pub struct MissingModule;

impl Lint for MissingModule {
    fn code(&self) -> &'static str {
        "missing-module"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        // What a use needs: `(name, module)` for a global of an optional module, or for a field
        // one adds to a global every build has (`string.split` with `luatos`).
        let needs = |path: &[String]| -> Option<(String, String)> {
            let entry = cx.api.globals.get(&path[0])?;
            if let Some(module) = &entry.needs {
                return Some((path[0].clone(), module.clone()));
            }
            let field = entry.fields()?.get(path.get(1)?)?;
            Some((format!("{}.{}", path[0], path[1]), field.needs.clone()?))
        };
        let unguarded = cx.scan.uses.iter().filter(|u| {
            !u.is_bare()
                && !matches!(u.access, Access::Write)
                && !cx.assigned.contains(&u.path[0])
                && needs(&u.path).is_some()
                && !cx.scan.guarded(u)
        });
        for (u, more) in first_of_each(unguarded, |u| needs(&u.path).expect("filtered on it").0) {
            let (root, module) = needs(&u.path).expect("filtered on it");
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
        string_methods(self.code(), cx, out);
    }
}

/// `value:name()` where `name` is a `string` field of an optional module the target lacks.
fn string_methods(code: &str, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
    let Some(fields) = cx.api.globals.get("string").and_then(|g| g.fields()) else { return };
    let needs = |name: &str| -> Option<String> {
        let module = fields.get(name)?.needs.clone()?;
        (!cx.fields_named.contains(name) && cx.target.is_none_or(|t| !t.modules.contains(&module))).then_some(module)
    };
    let calls = cx.scan.methods.iter().filter(|m| needs(&m.name).is_some());
    for (m, more) in first_of_each(calls, |m| m.name.clone()) {
        let module = needs(&m.name).expect("filtered on it");
        let (with, _) = builds(&module);
        let method = format!("`:{}()`", m.name);
        let (severity, on) = match cx.target {
            Some(target) => (Severity::Error, format!("on {}", target.name)),
            None => (Severity::Warning, format!("without the `{module}` module")),
        };
        let message = format!(
            "{method} is `string.{}` of the `{module}` module ({with}): {on} a string has no such method, so the call fails{}",
            m.name,
            more_uses(more)
        );
        out.push(cx.finding(severity, code, m.at, message).help(format!(
            "push this script only to builds with `{module}`; if the value is no string but an object of yours,              its `{}` is defined where the check cannot see it: allow the finding",
            m.name
        )));
    }
}

/// Built-in profiles with `module` (the simulator-only ones too) and firmware builds without it,
/// as lists.
fn builds(module: &str) -> (String, String) {
    let has = |name: &&str| Profile::built_in(name).is_some_and(|p| p.modules.iter().any(|m| m == module));
    let with: Vec<&str> = all_names().filter(has).collect();
    let without: Vec<&str> = built_in_names().filter(|n| !has(n)).collect();
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

    #[test]
    fn string_extensions_called_as_methods_need_the_luatos_build_unless_the_scripts_define_them() {
        let script = "local s = 'ab'\nlocal hex = s:toHex()\nlocal parts = ('a,b'):split(',')\nlocal up = s:upper()\n";
        assert!(lint_source(script, Some("luatos"), &[]).is_empty());
        let found = lint_source(script, Some("esp32"), &[]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with(
                "2:15 missing-module `:toHex()` is `string.toHex` of the `luatos` module (luatos): on esp32"
            ),
            "{found:?}"
        );
        assert!(found[1].starts_with("3:23 missing-module `:split()`"), "{found:?}");
        let own = "local Q = {}\nfunction Q:split() return {} end\nlocal parts = Q:split()\n";
        assert!(lint_source(own, Some("esp32"), &[]).is_empty(), "the script's own method");
    }

    #[test]
    fn luatos_globals_and_string_extensions_need_the_luatos_build() {
        let script = "local t = json.decode('[1]')\nlocal parts = string.split('a,b')\n";
        assert!(lint_source(script, Some("luatos"), &[]).is_empty());
        let found = lint_source(script, Some("esp32"), &[]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[1].contains("`string.split` is not on esp32: the build has no `luatos` module"), "{found:?}");
        let found = lint_source(script, None, &[]);
        assert!(found[0].contains("(luatos; not esp32, esp32s3, esp32c3)"), "{found:?}");
    }
}
