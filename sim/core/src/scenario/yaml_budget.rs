//! Bounds on what a scenario's YAML expands to, measured before serde_yaml deserialises it.
//!
//! serde_yaml replays an alias by copying what its anchor stands for, so a small file whose
//! aliases point at one big scalar (or at lists of aliases) expands to gigabytes. serde_yaml's
//! own guard only counts replays, not their size. This pass reads the same libyaml event stream
//! serde_yaml reads, one event at a time without keeping any, and adds up the nodes and the
//! scalar text the document stands for with every alias expanded: a file over a limit is
//! refused at the line and column where the limit was crossed, before anything is built.
//! Syntax errors are left to serde_yaml, which reports them with its own wording.

use super::yaml_events::{Parser, Step};
use std::collections::BTreeMap;

/// Most nodes (scalars, lists, mappings, alias uses) a scenario may stand for once every alias
/// is expanded; serde_yaml holds each in memory (about 100 bytes each).
pub const MAX_NODES: u64 = 2_000_000;
/// Most scalar text, in bytes, a scenario may stand for once every alias is expanded.
pub const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;
/// Most aliases (`*name`) a scenario may use.
pub const MAX_ALIASES: u64 = 10_000;

/// Which limit a document crossed, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What a node, or the document so far, stands for once aliases are expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: u64,
    text: u64,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.text = self.text.saturating_add(other.text);
    }
}

/// Checks that `text` stays within the limits once aliases are expanded.
pub fn check(text: &str) -> Result<(), OverBudget> {
    let Some(mut parser) = Parser::new(text.as_bytes()) else { return Ok(()) };
    let mut total = Size::default();
    let mut aliases = 0u64;
    let mut anchors: BTreeMap<Vec<u8>, Size> = BTreeMap::new();
    // Open collections that carry an anchor: the name and the total when they opened.
    let mut open: Vec<Option<(Vec<u8>, Size)>> = Vec::new();
    while let Some((step, (line, column))) = parser.next() {
        let over = |message: String| OverBudget { line: line + 1, column: column + 1, message };
        match step {
            Step::End => break,
            Step::Other => continue,
            Step::Scalar { anchor, len, .. } => {
                let own = Size { nodes: 1, text: len };
                total.add(own);
                if let Some(name) = anchor {
                    anchors.insert(name, own);
                }
            }
            Step::Open { anchor, .. } => {
                total.add(Size { nodes: 1, text: 0 });
                open.push(anchor.map(|name| (name, total)));
            }
            Step::Close => {
                if let Some(Some((name, at_open))) = open.pop() {
                    let own = Size { nodes: total.nodes - at_open.nodes + 1, text: total.text - at_open.text };
                    anchors.insert(name, own);
                }
            }
            Step::Alias { anchor } => {
                aliases += 1;
                if aliases > MAX_ALIASES {
                    return Err(over(format!(
                        "more than {MAX_ALIASES} aliases (`*name`); a scenario uses at most {MAX_ALIASES}"
                    )));
                }
                total.add(anchors.get(&anchor).copied().unwrap_or(Size { nodes: 1, text: 0 }));
            }
        }
        if total.nodes > MAX_NODES {
            return Err(over(format!(
                "the document stands for more than {MAX_NODES} YAML nodes with its aliases expanded; a scenario \
                 holds at most {MAX_NODES} (use `repeat` for long schedules)"
            )));
        }
        if total.text > MAX_TEXT_BYTES {
            return Err(over(format!(
                "the document stands for more than {} MB of text with its aliases expanded; a scenario holds at \
                 most {} MB",
                MAX_TEXT_BYTES / (1024 * 1024),
                MAX_TEXT_BYTES / (1024 * 1024)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_documents_pass() {
        assert_eq!(check("name: x\nlist: &l [1, 2, 3]\nagain: *l\n"), Ok(()));
        assert_eq!(check("a: [unclosed\n"), Ok(()), "syntax errors are left to serde_yaml");
    }

    #[test]
    fn aliases_of_a_big_scalar_are_refused_where_the_limit_is_crossed() {
        let big = "x".repeat(1024 * 1024);
        let uses = "  - *a\n".repeat(70);
        let text = format!("big: &a {big}\nlist:\n{uses}");
        let err = check(&text).unwrap_err();
        assert!(err.message.contains("MB of text"), "{err:?}");
        // The anchor is 1 MB and each alias adds 1 MB: the 63rd alias (line 2 + 63) crosses 64 MB.
        assert_eq!((err.line, err.column), (2 + 63, 5));
    }

    #[test]
    fn nested_aliases_count_what_they_expand_to() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h"].iter().zip(["a", "b", "c", "d", "e", "f", "g"]) {
            let uses = vec![format!("*{prev}"); 10].join(", ");
            text.push_str(&format!("{name}: &{name} [{uses}]\n"));
        }
        let err = check(&text).unwrap_err();
        assert!(err.message.contains("YAML nodes"), "{err:?}");
        assert_eq!(err.line, 7, "10^6 nodes at `f`, past the limit inside `g`: {err:?}");
    }

    #[test]
    fn alias_count_is_bounded() {
        let text = format!("a: &a 1\nl: [{}]\n", vec!["*a"; MAX_ALIASES as usize + 1].join(", "));
        let err = check(&text).unwrap_err();
        assert!(err.message.contains("aliases"), "{err:?}");
        assert_eq!(err.line, 2);
    }
}
