//! Calls of device functions with too few arguments (an error on the device, or a nil where a
//! value is needed), too many (silently ignored, so probably not what was meant), or with `:`
//! on a module (`MQTT:publish(...)` passes the `MQTT` table as the topic).

use super::{Lint, LintContext};
use crate::api::Lookup;
use crate::report::{Finding, Severity};
use crate::scan::Access;

pub struct ArgumentCount;

impl Lint for ArgumentCount {
    fn code(&self) -> &'static str {
        "argument-count"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for u in &cx.scan.uses {
            let Access::Call(call) = &u.access else { continue };
            let Lookup::Found(entry) = cx.api.lookup(&u.path) else { continue };
            let Some(sig) = entry.signature() else { continue };
            if cx.assigned.contains(&u.path[0]) {
                continue;
            }
            let name = u.name();
            let at = *u.at.last().expect("a path has a name");
            if call.method && u.path.len() > 1 {
                let table = u.path[..u.path.len() - 1].join(".");
                let field = &u.path[u.path.len() - 1];
                out.push(
                    cx.finding(
                        Severity::Error,
                        self.code(),
                        at,
                        format!("`{table}:{field}(...)` passes the `{table}` table itself as the first argument of `{name}{sig}`"),
                    )
                    .help(format!("call it with a dot: `{name}(...)`")),
                );
                continue;
            }
            let given = call.args.len();
            // With a call or `...` last, at least the others are passed, maybe more.
            let fixed = if call.open_ended { given - 1 } else { given };
            let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
            if !call.open_ended && given < sig.required() {
                let need = sig.required();
                out.push(cx.finding(
                    Severity::Error,
                    self.code(),
                    at,
                    format!("`{name}` needs {need} {} `{sig}`, {given} given", plural(need)),
                ));
            } else if let Some(most) = sig.most().filter(|most| fixed > *most) {
                out.push(cx.finding(
                    Severity::Warning,
                    self.code(),
                    at,
                    format!(
                        "`{name}` takes at most {most} {} `{sig}`, {fixed} given: the rest are ignored",
                        plural(most)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    #[test]
    fn counts_are_checked_against_the_signature() {
        let found = lint_source(
            "MQTT.publish('t')\nMQTT.publish('t', 'p', 'x')\nMQTT.publish(...)\nlocal p = MQTT.publish\np('t', tostring(1))\nMQTT:publish('t', 'p')\n",
            None,
            &[],
        );
        assert_eq!(
            found,
            [
                "1:6 argument-count `MQTT.publish` needs 2 arguments `(topic: string, payload: string) -> boolean`, 1 given",
                "2:6 argument-count `MQTT.publish` takes at most 2 arguments `(topic: string, payload: string) -> boolean`, \
                 3 given: the rest are ignored",
                "6:6 argument-count `MQTT:publish(...)` passes the `MQTT` table itself as the first argument of \
                 `MQTT.publish(topic: string, payload: string) -> boolean`",
            ]
        );
    }
}
