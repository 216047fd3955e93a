//! The simulator↔firmware contract (`sim/src/contract/`) against its committed copies: the
//! firmware's generated `contract.h` and the tables of the format docs must be exactly what the
//! contract generates (`UPDATE_CONTRACT=1` rewrites them).

use luasim::contract::{c_header, markdown};
use luasim_tests::repo_root;
use std::collections::BTreeSet;

/// Whether this run rewrites the committed copies instead of checking them.
fn updating() -> bool {
    std::env::var_os("UPDATE_CONTRACT").is_some_and(|v| v == "1")
}

/// The lines where `committed` and `generated` differ: common head and tail cut, the rest as
/// `-`/`+` lines (at most 40 of each).
fn diff(committed: &str, generated: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (committed.lines().collect(), generated.lines().collect());
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    let mut out = format!("@@ line {} @@\n", head + 1);
    for line in old[head..old.len() - tail].iter().take(40) {
        out += &format!("-{line}\n");
    }
    for line in new[head..new.len() - tail].iter().take(40) {
        out += &format!("+{line}\n");
    }
    out
}

/// Checks (or with `UPDATE_CONTRACT=1` writes) the committed file at `path`.
fn committed_equals(path: &str, generated: &str) {
    let file = repo_root().join(path);
    if updating() {
        std::fs::write(&file, generated).unwrap_or_else(|e| panic!("writing {path}: {e}"));
        return;
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} differs from what the contract (sim/src/contract/) generates:\n{}\nregenerate it with `{}`",
        diff(&committed, generated),
        c_header::REGENERATE
    );
}

#[test]
fn the_committed_c_header_is_what_the_contract_generates() {
    committed_equals(c_header::PATH, &c_header::generate());
}

#[test]
fn the_docs_tables_are_what_the_contract_generates() {
    let mut filled = BTreeSet::new();
    for path in markdown::DOCS {
        let doc = std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let (generated, keys) = markdown::fill(&doc).unwrap_or_else(|e| panic!("{path}: {e}"));
        committed_equals(path, &generated);
        filled.extend(keys);
    }
    let shown = ["pack-header", "sections", "step-kinds", "arg-tags", "value-tags", "region-header", "region-tags"];
    for key in shown {
        assert!(
            filled.contains(key),
            "no document shows the contract's `{key}` table (mark it `<!-- contract:{key} -->`)"
        );
    }
}

#[test]
fn the_diff_shows_the_changed_lines() {
    assert_eq!(diff("a\nb\nc\n", "a\nB\nc\n"), "@@ line 2 @@\n-b\n+B\n");
    assert_eq!(diff("a\n", "a\nb\n"), "@@ line 2 @@\n+b\n");
}
