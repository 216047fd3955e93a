//! Globals a script sets at its top level. They are shared by every script of the Lua state
//! (main.lua, rules.lua, sys.lua, every callback) and start from nothing at each reload, so a
//! forgotten `local` couples scripts by accident; assigning a device global (`print`, `Log`,
//! `sys`) replaces it for everyone, unless it is given the module of its own name
//! (`sys = require "sys"`, common in LuatOS scripts: the same table again, or a `require` that
//! fails at run time, where the runs see it). A global another script reads (`RULES_VERSION`, set by
//! rules.lua and reported by main.lua) is shared on purpose and not a leak.

use super::{first_of_each, more_uses, Lint, LintContext};
use crate::report::{Finding, Severity};
use crate::scan::Access;

pub struct GlobalLeak;

impl Lint for GlobalLeak {
    fn code(&self) -> &'static str {
        "global-leak"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let writes = cx.scan.uses.iter().filter(|u| {
            matches!(u.access, Access::Write)
                && u.top_level
                && u.path.len() == 1
                && !cx.api.settings.contains_key(&u.path[0])
                && (cx.api.globals.contains_key(&u.path[0]) || !cx.read_elsewhere.contains(&u.path[0]))
                && !(u.rebinds_module && cx.api.globals.contains_key(&u.path[0]))
        });
        for (u, more) in first_of_each(writes, |u| u.path[0].clone()) {
            let name = &u.path[0];
            let finding = if cx.api.globals.contains_key(name) {
                cx.finding(
                    Severity::Error,
                    self.code(),
                    u.at[0],
                    format!(
                        "assigning `{name}` replaces the device's `{name}` for every script of the state{}",
                        more_uses(more)
                    ),
                )
                .help(format!("use another name, or `local {name} = ...` to shadow it in this file only"))
            } else {
                cx.finding(
                    Severity::Warning,
                    self.code(),
                    u.at[0],
                    format!(
                        "`{name}` is a global set at the top level: it is shared with every other script of the state \
                         and starts from nothing at each reload{}",
                        more_uses(more)
                    ),
                )
                .help(format!("declare it `local {name}`; keep what must outlive a reload or deep sleep in RTC"))
            };
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    #[test]
    fn top_level_globals_warn_and_replacing_device_globals_is_an_error() {
        let found = lint_source(
            "count = 0\nfunction onTemp() count = count + 1 end\nLog = nil\nCOROUTINE_ERROR_RESTART = true\nlocal x = 1\n",
            None,
            &["count"],
        );
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("1:1 global-leak `count` is a global set at the top level"), "{found:?}");
        assert!(found[1].starts_with("2:10 global-leak `onTemp` is a global"), "{found:?}");
        assert_eq!(
            found[2],
            "3:1 global-leak assigning `Log` replaces the device's `Log` for every script of the state"
        );
    }

    #[test]
    fn a_device_global_given_its_own_module_is_no_leak() {
        let source = "sys = require(\"sys\")\nsys = require \"sys\"\nsys = require(\"sysplus\")\n\
                      helper = require \"helper\"\nlocal require = print\nsys = require \"sys\"\n";
        let found = lint_source(source, None, &[]);
        assert_eq!(found.len(), 2, "{found:#?}");
        // Line 6's `require` is a local, not Lua's: it is the one more use.
        assert!(found[0].starts_with("3:1 global-leak assigning `sys` replaces"), "{found:?}");
        assert!(found[0].ends_with("(and 1 more use)"), "{found:?}");
        assert!(found[1].starts_with("4:1 global-leak `helper` is a global set at the top level"), "{found:?}");
    }
}
