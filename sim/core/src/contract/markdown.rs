//! The contract's tables in the docs: `docs/pack-format.md` and `docs/sleep-region.md` mark
//! where each goes (`<!-- contract:KEY -->` ... `<!-- /contract -->`), and `fill` rewrites what
//! is between the marks from the contract.

use super::power::{self, Phase, Reaction};
use super::{layouts, tag_sets, Layout, TagSet};

/// The documents that carry contract tables, from the repository root.
pub const DOCS: &[&str] = &["docs/pack-format.md", "docs/sleep-region.md"];

const OPEN: &str = "<!-- contract:";
const CLOSE: &str = "<!-- /contract -->";

/// A document whose marks do not hold a table the contract knows.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MarkError {
    #[error("line {line}: `{OPEN}{key} -->` names no table of the contract")]
    UnknownTable { line: usize, key: String },
    #[error("line {line}: `{OPEN}{key} -->` is not closed by `{CLOSE}`")]
    Unclosed { line: usize, key: String },
}

/// Key of the table of what each step does in each power state, and of its legend.
const STEP_REACTIONS: &str = "step-reactions";
const REACTIONS: &str = "reactions";

/// The table for `key` (a tag set's, a layout's or one of the power tables' key), as Markdown
/// lines.
pub fn table(key: &str) -> Option<String> {
    if let Some(set) = tag_sets().into_iter().find(|s| s.key == key) {
        return Some(tag_table(set));
    }
    match key {
        STEP_REACTIONS => return Some(step_reactions_table()),
        REACTIONS => return Some(reactions_table()),
        _ => {}
    }
    layouts().into_iter().find(|l| l.key == key).map(layout_table)
}

/// `doc` with every marked table regenerated; returns the keys it filled.
pub fn fill(doc: &str) -> Result<(String, Vec<String>), MarkError> {
    let mut out = String::with_capacity(doc.len());
    let mut keys = Vec::new();
    let mut lines = doc.split_inclusive('\n').enumerate();
    while let Some((i, text)) = lines.next() {
        out.push_str(text);
        let Some(key) = text.trim_end().strip_prefix(OPEN).and_then(|rest| rest.strip_suffix(" -->")) else { continue };
        let table = table(key).ok_or_else(|| MarkError::UnknownTable { line: i + 1, key: key.to_string() })?;
        out.push_str(&table);
        loop {
            match lines.next() {
                Some((_, end)) if end.trim_end() == CLOSE => {
                    out.push_str(end);
                    break;
                }
                Some(_) => {}
                None => return Err(MarkError::Unclosed { line: i + 1, key: key.to_string() }),
            }
        }
        keys.push(key.to_string());
    }
    Ok((out, keys))
}

fn row_of(cells: impl IntoIterator<Item = String>) -> String {
    let cells: Vec<String> = cells.into_iter().collect();
    format!("| {} |\n", cells.join(" | "))
}

fn head(columns: impl IntoIterator<Item = String>) -> String {
    let columns: Vec<String> = columns.into_iter().collect();
    let rule = row_of(columns.iter().map(|_| "---".to_string()));
    row_of(columns) + &rule
}

fn tag_table(set: &TagSet) -> String {
    let mut out = head(set.columns.iter().map(|c| c.to_string()));
    for tag in set.tags {
        let value = if set.hex { format!("`0x{:02X}`", tag.value) } else { tag.value.to_string() };
        out += &row_of(std::iter::once(value).chain(tag.cells.iter().map(|c| c.to_string())));
    }
    out
}

fn step_reactions_table() -> String {
    let titles = Phase::ALL.iter().map(|p| p.title().to_string());
    let mut out = head(["kind".to_string(), "step".to_string()].into_iter().chain(titles));
    for row in power::TABLE {
        let step = row.tag().and_then(|t| t.cells.first()).map_or(String::new(), |c| c.to_string());
        let cells = row.reactions.iter().map(|r| r.word().to_string());
        out += &row_of([row.kind.to_string(), step].into_iter().chain(cells));
    }
    out
}

fn reactions_table() -> String {
    let mut out = head(["reaction", "what happens"].map(String::from));
    for reaction in Reaction::ALL {
        out += &row_of([reaction.word().to_string(), reaction.meaning().to_string()]);
    }
    out
}

fn layout_table(layout: &Layout) -> String {
    let mut out = head(["offset", "size"].into_iter().chain(layout.columns.iter().copied()).map(String::from));
    for field in layout.fields {
        let cells = [field.offset.to_string(), field.size.to_string()];
        out += &row_of(cells.into_iter().chain(field.cells.iter().map(|c| c.to_string())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_tables_are_replaced_and_the_rest_kept() {
        let doc = "intro\n<!-- contract:arg-tags -->\nstale\n<!-- /contract -->\nafter\n";
        let (filled, keys) = fill(doc).unwrap();
        assert_eq!(keys, ["arg-tags"]);
        assert!(
            filled.starts_with("intro\n<!-- contract:arg-tags -->\n| tag | argument | then |\n| --- | --- | --- |\n")
        );
        assert!(filled.contains("| 4 | string | a string |\n<!-- /contract -->\nafter\n"));
        assert!(!filled.contains("stale"));
    }

    #[test]
    fn unknown_and_unclosed_marks_are_errors_with_their_line() {
        assert_eq!(
            fill("a\n<!-- contract:nope -->\n<!-- /contract -->\n").unwrap_err(),
            MarkError::UnknownTable { line: 2, key: "nope".into() }
        );
        assert_eq!(
            fill("<!-- contract:value-tags -->\n| x |\n").unwrap_err(),
            MarkError::Unclosed { line: 1, key: "value-tags".into() }
        );
    }

    #[test]
    fn byte_tags_print_in_hex() {
        assert!(table("region-tags")
            .unwrap()
            .contains("| `0x40` | table | pair count (2 bytes), then each key then its value |"));
    }
}
