//! Literal arguments of the wrong type: `Node.setTimeout("1000", f)` is fine (a numeric string
//! converts, as in the device's C code), `MQTT.publish(topic, true)` and
//! `rtos.timer_start(1, 1.5)` raise `bad argument` on the device.

use super::{Lint, LintContext};
use crate::api::Lookup;
use crate::report::{Finding, Severity};
use crate::scan::{Access, Literal};
use crate::signature::{Base, Param};

pub struct ArgumentType;

impl Lint for ArgumentType {
    fn code(&self) -> &'static str {
        "argument-type"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for u in &cx.scan.uses {
            let Access::Call(call) = &u.access else { continue };
            let Lookup::Found(entry) = cx.api.lookup(&u.path) else { continue };
            let Some(sig) = entry.signature() else { continue };
            if call.method || cx.assigned.contains(&u.path[0]) {
                continue;
            }
            for (i, arg) in call.args.iter().enumerate() {
                let (Some(param), Some(literal)) = (sig.param(i), &arg.literal) else { continue };
                if let Some(problem) = mismatch(param, literal) {
                    out.push(cx.finding(
                        Severity::Error,
                        self.code(),
                        arg.at,
                        format!(
                            "bad argument #{} to `{}` ({problem}): `{}: {}`",
                            i + 1,
                            u.name(),
                            param.name,
                            param.ty
                        ),
                    ));
                }
            }
        }
    }
}

/// Why `literal` cannot be passed as `param`, in the device's words.
fn mismatch(param: &Param, literal: &Literal) -> Option<String> {
    if param.ty.is_any() || (param.optional && *literal == Literal::Nil) {
        return None;
    }
    if param.ty.bases().iter().any(|b| accepts(*b, literal)) {
        return None;
    }
    let number = |text: &str| parse_number(text).is_some();
    if param.ty.bases().contains(&Base::Integer) {
        let fractional = match literal {
            Literal::Number(n) => number(n),
            Literal::String(s) => number(s),
            _ => false,
        };
        if fractional {
            return Some("number has no integer representation".into());
        }
    }
    let expected = match param.ty.bases() {
        [Base::Integer] => "number".to_string(),
        _ => param.ty.to_string().replace('|', " or "),
    };
    Some(format!("{expected} expected, got {}", type_name(literal)))
}

fn accepts(base: Base, literal: &Literal) -> bool {
    match (base, literal) {
        (Base::Any, _) | (Base::Nil, Literal::Nil) | (Base::Boolean, Literal::Boolean) => true,
        (Base::Function, Literal::Function) | (Base::Table, Literal::Table) => true,
        (Base::String, Literal::String(_) | Literal::Number(_)) => true,
        (Base::Number, Literal::Number(_)) => true,
        (Base::Number, Literal::String(s)) => parse_number(s).is_some(),
        // A number the lint cannot read is given the benefit of the doubt.
        (Base::Integer, Literal::Number(n)) => parse_number(n).is_none_or(|x| x.fract() == 0.0),
        (Base::Integer, Literal::String(s)) => parse_number(s).is_some_and(|x| x.fract() == 0.0),
        _ => false,
    }
}

/// A Lua numeral (decimal or hexadecimal integer, decimal float), as Lua converts strings.
fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let value = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok()? as f64,
        None if t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) => t.parse().ok()?,
        None => return None,
    };
    Some(if negative { -value } else { value })
}

fn type_name(literal: &Literal) -> &'static str {
    match literal {
        Literal::Nil => "nil",
        Literal::Boolean => "boolean",
        Literal::Number(_) => "number",
        Literal::String(_) => "string",
        Literal::Table => "table",
        Literal::Function => "function",
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    #[test]
    fn literal_types_are_checked_like_the_device_does() {
        let found = lint_source(
            "MQTT.publish('t', true)\nNode.setTimeout('1000', function() end)\nrtos.timer_start(1, 1.5)\n\
             Node.setTimeout(10, 'f')\nRTC.set('k', nil)\nMQTT.publish('t', 42)\nsetmetatable({}, nil)\n",
            None,
            &[],
        );
        assert_eq!(
            found,
            [
                "1:19 argument-type bad argument #2 to `MQTT.publish` (string expected, got boolean): `payload: string`",
                "3:21 argument-type bad argument #2 to `rtos.timer_start` (number has no integer representation): \
                 `ms: integer`",
                "4:21 argument-type bad argument #2 to `Node.setTimeout` (function expected, got string): \
                 `callback: function`",
            ]
        );
    }
}
