//! Did-you-mean suggestions: the edit distance that scenario-file errors and the pre-flight
//! lints both use to propose the name a typo probably meant, the two ways of choosing it (keys
//! of input files; names in scripts) and the one wording of the proposal.

/// Most single-character edits between a typo and the name it is taken for.
pub const MAX_TYPO_EDITS: usize = 2;

/// The candidate nearest to `word` (the first of equally near ones) and its distance, when it
/// is at most `MAX_TYPO_EDITS` edits away.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<(&'a str, usize)> {
    candidates
        .into_iter()
        .map(|name| (name, edit_distance(word, name)))
        .min_by_key(|(_, distance)| *distance)
        .filter(|(_, distance)| *distance <= MAX_TYPO_EDITS)
}

/// The candidate closest to a name in a script (a global, a field, a config key, a lint
/// code), if close enough to be a likely typo: case is ignored (`mqtt` → `MQTT`), and longer
/// names allow more edits (a third of the length, at least one). Scripts' names are shorter and
/// more often miscased than scenario keys, hence a policy of its own.
pub fn nearest_name<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let folded = name.to_lowercase();
    candidates
        .map(|c| {
            let case_only = c.to_lowercase() == folded;
            (if case_only { 0 } else { edit_distance(&folded, &c.to_lowercase()) }, c)
        })
        .filter(|(d, c)| *d <= (name.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean `name`?`, the tail an error message gets for a likely typo.
pub fn did_you_mean(name: &str) -> String {
    format!("; did you mean `{name}`?")
}

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
    use super::{did_you_mean, edit_distance, nearest, nearest_name};

    #[test]
    fn counts_single_character_edits() {
        assert_eq!(edit_distance("durashun", "duration"), 3);
        assert_eq!(edit_distance("brodcast", "broadcast"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn the_nearest_of_close_names_is_proposed() {
        let names = ["reload", "reboot", "publish"];
        assert_eq!(nearest("relod", names), Some(("reload", 1)));
        assert_eq!(nearest("rebot", names), Some(("reboot", 1)), "the nearest, not the first close one");
        assert_eq!(nearest("rexxxx", names), None, "three edits is no typo");
        assert_eq!(nearest("rebload", ["reload", "reboot"]), Some(("reload", 1)));
        assert_eq!(did_you_mean("reload"), "; did you mean `reload`?");
    }

    #[test]
    fn names_in_scripts_match_ignoring_case() {
        let names = ["broadcast", "send"];
        assert_eq!(nearest_name("brodcast", names.into_iter()), Some("broadcast"));
        assert_eq!(nearest_name("SEND", names.into_iter()), Some("send"));
        assert_eq!(nearest_name("publish", names.into_iter()), None);
        assert_eq!(nearest_name("mqtt", ["MQTT", "math"].into_iter()), Some("MQTT"));
    }
}
