//! Where in a scenario's YAML a document path is (`devices[1]: steps[0]`), for the errors found
//! after serde_yaml has built the document, which has no positions left: a step after the end,
//! a taken device name, an unknown profile function. Their messages open with the path of what
//! they are about, the same path syntax throughout (`key`, `key[index]`, a fleet device's
//! `(name)`, joined by `: `); this reads it and finds the deepest node of it the text has.
//! An alias (`*name`) ends the path: the error points at the alias. With a key given twice,
//! the first is found.

use super::yaml_events::{Parser, Step};

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Key(String),
    Index(usize),
}

/// The path a message opens with: each `key` or `key[index]` followed by `: ` (a fleet device
/// by ` (name): `).
fn path_of(message: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = message;
    loop {
        let key_len = rest.find(|c: char| !(c.is_ascii_lowercase() || c == '_')).unwrap_or(rest.len());
        if key_len == 0 {
            return parts;
        }
        let (key, mut after) = rest.split_at(key_len);
        let mut index = None;
        if let Some(inner) = after.strip_prefix('[') {
            let Some((digits, tail)) = inner.split_once(']') else { return parts };
            let Ok(n) = digits.parse::<usize>() else { return parts };
            index = Some(n);
            after = tail;
        }
        if let Some(named) = after.strip_prefix(" (") {
            let Some((_, tail)) = named.split_once(')') else { return parts };
            after = tail;
        }
        let Some(next) = after.strip_prefix(": ") else { return parts };
        parts.push(Part::Key(key.to_string()));
        parts.extend(index.map(Part::Index));
        rest = next;
    }
}

/// The 1-based (line, column) of the deepest node of the path `message` opens with, if its
/// first step is in `text`.
pub fn locate(text: &str, message: &str) -> Option<(usize, usize)> {
    let path = path_of(message);
    if path.is_empty() {
        return None;
    }
    let mut parser = Parser::new(text.as_bytes())?.with_text();
    let root = next_node(&mut parser)?;
    let (line, column) = descend(&mut parser, root, &path, None)?;
    Some((line + 1, column + 1))
}

type Mark = (usize, usize);

/// The next event that is part of a node (stream and document events skipped).
fn next_node(parser: &mut Parser) -> Option<(Step, Mark)> {
    loop {
        match parser.next()? {
            (Step::Other, _) => continue,
            (Step::End, _) => return None,
            found => return Some(found),
        }
    }
}

/// Reads the rest of the node `first` opens.
fn skip(parser: &mut Parser, first: &Step) -> Option<()> {
    if !matches!(first, Step::Open { .. }) {
        return Some(());
    }
    let mut depth = 1usize;
    while depth > 0 {
        match next_node(parser)?.0 {
            Step::Open { .. } => depth += 1,
            Step::Close => depth -= 1,
            _ => {}
        }
    }
    Some(())
}

/// Follows `path` from the node `node` opens; the deepest mark reached (`found` is the
/// parent's, `None` at the root, where a first step the text lacks finds nothing).
fn descend(parser: &mut Parser, node: (Step, Mark), path: &[Part], found: Option<Mark>) -> Option<Mark> {
    let (step, mark) = node;
    let Some((part, rest)) = path.split_first() else { return Some(mark) };
    let here = found.map(|_| mark);
    let Step::Open { mapping, .. } = step else { return here };
    let mut index = 0usize;
    loop {
        let (item, at) = next_node(parser)?;
        if matches!(item, Step::Close) {
            return here;
        }
        let target = if mapping {
            let is_key =
                matches!((&item, part), (Step::Scalar { text: Some(t), .. }, Part::Key(k)) if t == k.as_bytes());
            skip(parser, &item)?;
            let value = next_node(parser)?;
            if is_key {
                return descend(parser, value, rest, Some(mark));
            }
            value
        } else {
            index += 1;
            if *part == Part::Index(index - 1) {
                return descend(parser, (item, at), rest, Some(mark));
            }
            (item, at)
        };
        skip(parser, &target.0)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_open_with_their_path() {
        assert_eq!(path_of("steps[3]: at 5 s, after the end"), [Part::Key("steps".into()), Part::Index(3)]);
        let fleet = path_of("devices[1] (b): steps[0]: at 5 s");
        assert_eq!(fleet, [Part::Key("devices".into()), Part::Index(1), Part::Key("steps".into()), Part::Index(0)]);
        assert_eq!(path_of("broker: latency: at least 1us"), [Part::Key("broker".into()), Part::Key("latency".into())]);
        assert_eq!(path_of("devices[2]: name `a` is taken"), [Part::Key("devices".into()), Part::Index(2)]);
        assert!(path_of("write step: cannot read f").is_empty());
    }

    const FLEET: &str = "name: f\nbroker: { latency: 0us }\ndevices:\n  - name: a\n    steps:\n      - { at: 1s, reload: true }\n  - name: b\n    steps:\n      - at: 9s\n        reload: true\n";

    #[test]
    fn the_deepest_node_of_the_path_is_found() {
        assert_eq!(locate(FLEET, "devices[1] (b): steps[0]: at 9 s"), Some((9, 9)));
        assert_eq!(locate(FLEET, "devices[0] (a): steps[0]: at 1 s"), Some((6, 9)));
        assert_eq!(locate(FLEET, "devices[1]: name `a` is taken"), Some((7, 5)), "its first key");
        assert_eq!(locate(FLEET, "broker: latency: at least 1us"), Some((2, 20)));
        assert_eq!(locate(FLEET, "devices[5]: no such device"), Some((4, 3)), "the deepest that exists");
    }

    #[test]
    fn a_path_the_text_lacks_finds_nothing_and_one_it_cannot_follow_stops() {
        assert_eq!(locate(FLEET, "scripts: missing"), None);
        assert_eq!(locate(FLEET, "not a path"), None);
        assert_eq!(locate(FLEET, "name: x: y"), Some((1, 7)), "a scalar ends the path");
        assert_eq!(locate("x: &n { steps: [1] }\ny: *n\n", "y: steps[0]: z"), Some((2, 4)), "an alias is a leaf");
    }
}
