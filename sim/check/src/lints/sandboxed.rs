//! What the device's sandbox takes away: `io`, `os.execute`, `string.dump`, most of `debug`,
//! C modules. Scripts that reach for them work on a desktop Lua and fail on the device.

use super::{first_of_each, more_uses, Lint, LintContext};
use crate::report::{Finding, Severity};
use crate::scan::Access;

pub struct Sandboxed;

impl Lint for Sandboxed {
    fn code(&self) -> &'static str {
        "sandboxed"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        let removed = |u: &crate::scan::Use| {
            let (prefix, _) = cx.api.removed_prefix(&u.path)?;
            let depth = prefix.split('.').count();
            // Only a call or an index fails; reading the nil (`local io = io`) does not.
            let fails = matches!(u.access, Access::Call(_)) || u.path.len() > depth;
            (fails && !cx.assigned.contains(&u.path[0])).then_some(depth)
        };
        let uses = cx.scan.uses.iter().filter(|u| removed(u).is_some());
        for (u, more) in first_of_each(uses, |u| u.path.clone()) {
            let (prefix, why) = cx.api.removed_prefix(&u.path).expect("filtered on it");
            let depth = removed(u).expect("filtered on it");
            let what = if u.name() == prefix {
                format!("`{prefix}`")
            } else {
                format!("`{}` (the sandbox removes `{prefix}`)", u.name())
            };
            out.push(cx.finding(
                Severity::Error,
                self.code(),
                u.at[depth - 1],
                format!("{what} is not available on the device: {why}{}", more_uses(more)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    #[test]
    fn sandboxed_functions_are_errors_and_reading_nil_is_not() {
        let found =
            lint_source("local io = io\nlocal f = io.open('/x')\nos.execute('ls')\nlocal d = string.dump\n", None, &[]);
        assert_eq!(
            found,
            [
                "2:11 sandboxed `io.open` (the sandbox removes `io`) is not available on the device: no host files on the \
                 device; use dofile/require for /scripts, RTC for state",
                "3:4 sandboxed `os.execute` is not available on the device: no processes on the device",
            ]
        );
    }
}
