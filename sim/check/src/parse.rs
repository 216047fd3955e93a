//! Step one: does the script parse on the device? Parsed by the device's own Lua through the
//! 256-byte reader (`runtime::syntax_check`), so the verdict is the device's.
//!
//! Lua names only the line (`rules.lua:1200: unexpected symbol near 'x'`); the column is found by
//! looking for the token the message names on that line. When it occurs more than once, each
//! candidate is tried by parsing the file cut just after it: the parser fails the same way at the
//! token it really stopped at, and differently (or not yet) at earlier ones. Since every cut
//! from the real token on fails the same way, the first such cut is found by bisection: a
//! one-line minified script with thousands of candidates takes a few parses, not thousands.
//!
//! A candidate larger than any device's flash is refused before it is parsed.

use luasim_core::runtime::{syntax_check, CompileError};

/// Largest script a candidate may be: the largest ESP32 flash chip (16 MB), of which the
/// scripts' file system is only a part.
pub const MAX_SCRIPT_BYTES: usize = 16 << 20;

/// Why a script does not parse, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: Option<usize>,
    /// The parser's message without the `file:line:` prefix.
    pub message: String,
}

/// Parses `source` as the device file `device_path`; `None` when it parses.
pub fn syntax_error(source: &[u8], device_path: &str) -> mlua::Result<Option<SyntaxError>> {
    if source.len() > MAX_SCRIPT_BYTES {
        let message = format!(
            "the script is {} bytes, more than a device's flash holds (at most {} MB, {MAX_SCRIPT_BYTES} bytes)",
            source.len(),
            MAX_SCRIPT_BYTES >> 20
        );
        return Ok(Some(SyntaxError { line: 1, column: None, message }));
    }
    let chunk_name = format!("@{device_path}");
    let Err(CompileError { message: full }) = syntax_check(source, &chunk_name)? else { return Ok(None) };
    let Some((line, message)) = split_location(&full) else {
        return Ok(Some(SyntaxError { line: 1, column: None, message: full }));
    };
    let column = column(source, line, &message, |prefix| {
        syntax_check(prefix, &chunk_name).ok().and_then(Result::err).and_then(|e| split_location(&e.message))
            == Some((line, message.clone()))
    });
    Ok(Some(SyntaxError { line, column, message }))
}

/// `/scripts/rules.lua:12: msg` → `(12, "msg")`.
fn split_location(full: &str) -> Option<(usize, String)> {
    let mut rest = full;
    while let Some(colon) = rest.find(':') {
        let after = &rest[colon + 1..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            if let Some(message) = after[digits..].strip_prefix(": ") {
                return Some((after[..digits].parse().ok()?, message.to_string()));
            }
        }
        rest = after;
    }
    None
}

/// The 1-based column (in characters) of the token `message` names on `line`. `fails_same`
/// parses a prefix of the source and says whether it fails with this very message.
fn column(source: &[u8], line: usize, message: &str, fails_same: impl Fn(&[u8]) -> bool) -> Option<usize> {
    let (start, text) = line_bytes(source, line)?;
    let chars = |bytes: &[u8]| String::from_utf8_lossy(bytes).chars().count();
    if message.ends_with(" near <eof>") {
        let trimmed = text.strip_suffix(b"\r").unwrap_or(text);
        return Some(chars(trimmed) + 1);
    }
    let open = message.rfind(" near '")?;
    let token = message[open + 7..].strip_suffix('\'')?.as_bytes();
    let mut found = occurrences(text, token, true);
    if found.is_empty() {
        found = occurrences(text, token, false);
    }
    let pick = match found.as_slice() {
        [] => return None,
        [only] => *only,
        several => {
            // `fails_same` is false before the real token and true from it on: bisect.
            let cut = |off: usize| &source[..start + off + token.len()];
            let first = several.partition_point(|off| !fails_same(cut(*off)));
            several.get(first).copied().unwrap_or(several[0])
        }
    };
    Some(chars(&text[..pick]) + 1)
}

/// Byte offset and text of 1-based line `line`.
fn line_bytes(source: &[u8], line: usize) -> Option<(usize, &[u8])> {
    let mut start = 0;
    for (i, text) in source.split(|b| *b == b'\n').enumerate() {
        if i + 1 == line {
            return Some((start, text));
        }
        start += text.len() + 1;
    }
    None
}

/// Offsets of `token` in `text`; with `whole`, a name must not continue a longer name.
fn occurrences(text: &[u8], token: &[u8], whole: bool) -> Vec<usize> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if token.is_empty() || token.len() > text.len() {
        return Vec::new();
    }
    (0..=text.len() - token.len())
        .filter(|&i| &text[i..i + token.len()] == token)
        .filter(|&i| {
            !whole
                || ((!word(token[0]) || i == 0 || !word(text[i - 1]))
                    && (!word(token[token.len() - 1]) || text.get(i + token.len()).is_none_or(|b| !word(*b))))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(source: &str) -> SyntaxError {
        syntax_error(source.as_bytes(), "/scripts/rules.lua").unwrap().expect("a syntax error")
    }

    #[test]
    fn good_scripts_parse() {
        assert_eq!(syntax_error(b"local x = 1\nreturn x\n", "/scripts/rules.lua").unwrap(), None);
    }

    #[test]
    fn the_column_is_the_token_the_parser_stopped_at() {
        let e = error("local a = 1\nlocal b = a = 2\n");
        assert_eq!((e.line, e.column), (2, Some(13)), "{e:?}");
        assert!(e.message.contains("near '='"), "{e:?}");
        // The same token earlier on the line is not the culprit.
        let e = error("x = 1\nif x then y = 1 y y end\n");
        assert_eq!((e.line, e.column), (2, Some(19)), "{e:?}");
    }

    #[test]
    fn an_unclosed_block_points_past_the_end() {
        let e = error("function f()\n  return 1\n");
        assert_eq!((e.line, e.column), (3, Some(1)), "{e:?}");
        assert!(e.message.starts_with("'end' expected"), "{e:?}");
    }

    #[test]
    fn a_minified_line_with_many_candidates_takes_few_parses() {
        let line =
            format!("local t = {{{}) }}\n", (0..20_000).map(|i| format!("f({i})")).collect::<Vec<_>>().join(","));
        let started = std::time::Instant::now();
        let e = error(&line);
        assert_eq!((e.line, e.column), (1, Some(line.len() - 3)), "{e:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
        let parses = std::cell::Cell::new(0);
        let (_, text) = line_bytes(line.as_bytes(), 1).unwrap();
        let real = text.len() - 3;
        column(line.as_bytes(), 1, "'}' expected near ')'", |prefix| {
            parses.set(parses.get() + 1);
            prefix.len() > real
        });
        assert!(parses.get() <= 16, "{} parses for 20,000 candidates", parses.get());
    }

    #[test]
    fn a_script_bigger_than_any_flash_is_refused_unparsed() {
        let big = vec![b' '; MAX_SCRIPT_BYTES + 1];
        let e = syntax_error(&big, "/scripts/rules.lua").unwrap().expect("refused");
        assert_eq!(
            e.message,
            "the script is 16777217 bytes, more than a device's flash holds (at most 16 MB, 16777216 bytes)"
        );
    }

    #[test]
    fn locations_split_off_any_chunk_name() {
        assert_eq!(split_location("/scripts/a.lua:12: bad"), Some((12, "bad".into())));
        assert_eq!(split_location("...long/path:x.lua:3: near 'a:1: b'"), Some((3, "near 'a:1: b'".into())));
    }
}
