//! Loading bytecode: the device loads source text only (its `load` forces mode `t` and refuses
//! chunks that start with ESC), so `load("\27Lua...")`, `load(s, name, "b")` or
//! `loadfile(path, "b")` cannot work there.

use super::{Lint, LintContext};
use crate::report::{Finding, Severity};
use crate::scan::{Access, Literal};

pub struct BinaryLoad;

/// How source text can write the ESC byte that starts every Lua binary chunk.
const ESC: [&str; 4] = ["\\27", "\\027", "\\x1b", "\\x1B"];

impl Lint for BinaryLoad {
    fn code(&self) -> &'static str {
        "binary-load"
    }

    fn check(&self, cx: &LintContext<'_>, out: &mut Vec<Finding>) {
        for u in &cx.scan.uses {
            let Access::Call(call) = &u.access else { continue };
            let mode_arg = match u.path.as_slice() {
                [f] if f == "load" => 2,
                [f] if f == "loadfile" => 1,
                _ => continue,
            };
            if cx.assigned.contains(&u.path[0]) {
                continue;
            }
            let string = |i: usize| match call.args.get(i).map(|a| &a.literal) {
                Some(Some(Literal::String(s))) => Some((s.as_str(), call.args[i].at)),
                _ => None,
            };
            if let Some((chunk, at)) = string(0).filter(|_| mode_arg == 2) {
                if ESC.iter().any(|esc| chunk.starts_with(esc)) {
                    out.push(cx.finding(
                        Severity::Error,
                        self.code(),
                        at,
                        "`load` of a binary chunk: the device loads source text only",
                    ));
                }
            }
            if let Some((mode, at)) = string(mode_arg).filter(|(m, _)| !m.contains('t')) {
                out.push(cx.finding(
                    Severity::Error,
                    self.code(),
                    at,
                    format!("`{}` with mode \"{mode}\" asks for bytecode: the device loads source text only", u.name()),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::lint_source;

    #[test]
    fn binary_chunks_and_binary_modes_are_errors() {
        let found = lint_source(
            "load('\\27Lua')\nload('return 1', 'x', 'b')\nloadfile('/scripts/x.luac', 'b')\nload('return 1', 'x', 'bt')\n",
            None,
            &[],
        );
        assert_eq!(
            found,
            [
                "1:6 binary-load `load` of a binary chunk: the device loads source text only",
                "2:23 binary-load `load` with mode \"b\" asks for bytecode: the device loads source text only",
                "3:29 binary-load `loadfile` with mode \"b\" asks for bytecode: the device loads source text only",
            ]
        );
    }
}
