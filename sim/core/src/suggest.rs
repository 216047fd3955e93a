//! Did-you-mean suggestions: the edit distance that scenario-file errors and the pre-flight
//! lints both use to propose the name a typo probably meant.

/// Levenshtein distance: single-character insertions, deletions and substitutions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn counts_single_character_edits() {
        assert_eq!(edit_distance("durashun", "duration"), 3);
        assert_eq!(edit_distance("brodcast", "broadcast"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
