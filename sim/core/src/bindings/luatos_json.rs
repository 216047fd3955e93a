//! `json` (lowercase): LuatOS's cjson-based JSON module, for builds with the `luatos` module.
//!
//! Written from LuatOS's documentation and the behaviour of its C code
//! (`components/lua-cjson/lua_cjson.c` in openLuat/LuatOS), not from that code:
//! - `json.decode(s)` returns `value, 1`, or `nil, false, message` (never raises); JSON `null`
//!   is `json.null` (a light userdata), so arrays keep their holes' places;
//! - `json.encode(v [, fmt])` returns the text, or `nil, message`; `json.encode(nil)` is `""`;
//!   floats are printed with `%.7f` unless `fmt` (`"3f"`, `"12g"`, `"%.2f"`) says otherwise,
//!   integers as integers, a float within `DBL_EPSILON` of zero as `0`; a table whose keys are
//!   the integers 1..n is an array (holes print `null`, a too sparse one is refused), any
//!   other table an object in `next` order; `/` is not escaped, DEL is.
//!
//! Numbers follow LuatOS's 64-bit VM (`LUAT_CONF_VM_64bit`), as the simulator's Lua is. A
//! number token without a `.` is read as an integer by `strtoll`, which stops at an exponent:
//! `1e5` decodes to an error (`found invalid token`), as on the device.

use super::{function, global_table, Args, BindResult, Binding};
use crate::bindings::args::{format_g, type_name};
use mlua::{LightUserData, Lua, MultiValue, Table, Value};

pub const BINDING: Binding =
    Binding { name: "json", module: Some(crate::profile::LUATOS), lean: false, simulator_only: true, install };

/// Deepest nesting either direction accepts (cjson's `DEFAULT_*_MAX_DEPTH`).
const MAX_DEPTH: usize = 1000;

fn install(lua: &Lua) -> mlua::Result<()> {
    let t = global_table(
        lua,
        "json",
        vec![("encode", function(lua, "encode", encode)?), ("decode", function(lua, "decode", decode)?)],
    )?;
    t.raw_set("null", null())
}

/// `json.null`: the NULL light userdata.
fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

fn text(lua: &Lua, s: impl AsRef<[u8]>) -> mlua::Result<Value> {
    Ok(Value::String(lua.create_string(s)?))
}

fn encode(lua: &Lua, args: Args) -> BindResult<MultiValue> {
    if matches!(args.get(1), Value::Nil) {
        return Ok(MultiValue::from_vec(vec![text(lua, "")?]));
    }
    let format = match args.get(2) {
        Value::String(_) | Value::Integer(_) | Value::Number(_) => match float_format(&args.bytes(2)?) {
            Some(f) => f,
            None => return Ok(MultiValue::from_vec(vec![Value::Nil, text(lua, "invalid float format")?])),
        },
        _ => FloatFormat { precision: 7, fixed: true },
    };
    let mut out = Vec::new();
    match append(&mut out, &args.get(1), 0, format) {
        Ok(()) => Ok(MultiValue::from_vec(vec![text(lua, out)?])),
        Err(message) => Ok(MultiValue::from_vec(vec![Value::Nil, text(lua, message)?])),
    }
}

#[derive(Clone, Copy)]
struct FloatFormat {
    precision: usize,
    /// `%f` rather than `%g`.
    fixed: bool,
}

/// `"7f"`, `"12g"` or `"%.3f"`: one to three digits and `f` or `g`.
fn float_format(mode: &[u8]) -> Option<FloatFormat> {
    let body = match mode {
        [b'%', b'.', rest @ ..] => rest,
        [b'%', ..] => return None,
        _ => mode,
    };
    let (letter, digits) = body.split_last()?;
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let fixed = match letter {
        b'f' => true,
        b'g' => false,
        _ => return None,
    };
    let precision = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(FloatFormat { precision, fixed })
}

/// cjson's "Cannot serialise <type>: <reason>".
fn refuse(v: &Value, reason: &str) -> String {
    format!("Cannot serialise {}: {reason}", type_name(v))
}

fn append(out: &mut Vec<u8>, v: &Value, depth: usize, format: FloatFormat) -> Result<(), String> {
    match v {
        Value::String(s) => append_string(out, &s.as_bytes()),
        Value::Integer(_) | Value::Number(_) => append_number(out, v, format)?,
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        Value::Table(t) => {
            let depth = depth + 1;
            if depth > MAX_DEPTH {
                return Err(format!("Cannot serialise, excessive nesting ({depth})"));
            }
            let entries: Vec<(Value, Value)> =
                t.pairs::<Value, Value>().collect::<mlua::Result<_>>().map_err(|e| e.to_string())?;
            match array_length(v, &entries)? {
                Some(n) => {
                    out.push(b'[');
                    for i in 1..=n {
                        if i > 1 {
                            out.push(b',');
                        }
                        append(out, &raw_get(t, i)?, depth, format)?;
                    }
                    out.push(b']');
                }
                None => append_object(out, &entries, depth, format)?,
            }
        }
        other => return Err(refuse(other, "type not supported")),
    }
    Ok(())
}

fn raw_get(t: &Table, i: usize) -> Result<Value, String> {
    t.raw_get(i).map_err(|e| e.to_string())
}

/// The array length of a table whose keys are all positive integral numbers (`None` for an
/// object or an empty table); an error when the array is too sparse (more than twice as long as
/// its items, and longer than 10).
fn array_length(t: &Value, entries: &[(Value, Value)]) -> Result<Option<usize>, String> {
    let mut max = 0f64;
    for (k, _) in entries {
        let k = match k {
            Value::Integer(i) => *i as f64,
            Value::Number(x) => *x,
            _ => return Ok(None),
        };
        if k < 1.0 || k.floor() != k {
            return Ok(None);
        }
        max = max.max(k);
    }
    if max > 2.0 * entries.len() as f64 && max > 10.0 {
        return Err(refuse(t, "excessively sparse array"));
    }
    Ok((max > 0.0).then_some(max as usize))
}

fn append_object(
    out: &mut Vec<u8>,
    entries: &[(Value, Value)],
    depth: usize,
    format: FloatFormat,
) -> Result<(), String> {
    out.push(b'{');
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match k {
            Value::Integer(_) | Value::Number(_) => {
                out.push(b'"');
                append_number(out, k, format)?;
                out.extend_from_slice(b"\":");
            }
            Value::String(s) => {
                append_string(out, &s.as_bytes());
                out.push(b':');
            }
            other => return Err(refuse(other, "table key must be a number or string")),
        }
        append(out, v, depth, format)?;
    }
    out.push(b'}');
    Ok(())
}

fn append_number(out: &mut Vec<u8>, v: &Value, format: FloatFormat) -> Result<(), String> {
    let x = match v {
        Value::Integer(i) => {
            out.extend_from_slice(i.to_string().as_bytes());
            return Ok(());
        }
        Value::Number(x) => *x,
        _ => unreachable!("append_number is called with numbers"),
    };
    if !x.is_finite() {
        return Err(refuse(v, "must not be NaN or Inf"));
    }
    let printed = if x.abs() <= f64::EPSILON {
        "0".to_string()
    } else if format.fixed {
        format!("{:.*}", format.precision, x)
    } else {
        format_g(x, format.precision)
    };
    out.extend_from_slice(printed.as_bytes());
    Ok(())
}

fn append_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x00..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

fn decode(lua: &Lua, args: Args) -> BindResult<MultiValue> {
    let parsed = if args.len() != 1 {
        Err("bad argument #1 to '?' (expected 1 argument)".to_string())
    } else {
        match args.get(1) {
            Value::String(_) | Value::Integer(_) | Value::Number(_) => {
                let source = args.bytes(1)?;
                Parser { lua, s: &source, at: 0, depth: 0 }.document()
            }
            other => Err(format!("bad argument #1 to '?' (string expected, got {})", type_name(&other))),
        }
    };
    Ok(MultiValue::from_vec(match parsed {
        Ok(value) => vec![value, Value::Integer(1)],
        Err(message) => vec![Value::Nil, Value::Boolean(false), text(lua, message)?],
    }))
}

/// A token as cjson names it in its errors.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Colon,
    Comma,
    End,
}

impl Token {
    fn name(self) -> &'static str {
        match self {
            Token::ObjBegin => "T_OBJ_BEGIN",
            Token::ObjEnd => "T_OBJ_END",
            Token::ArrBegin => "T_ARR_BEGIN",
            Token::ArrEnd => "T_ARR_END",
            Token::Colon => "T_COLON",
            Token::Comma => "T_COMMA",
            Token::End => "T_END",
        }
    }
}

/// What the tokenizer found: a punctuation token, a value, or an error at a position.
enum Lexeme {
    Punct(Token),
    Value(Value, &'static str),
    Error(&'static str),
}

/// cjson's parser over a NUL-terminated text: the first NUL byte ends the input.
struct Parser<'a> {
    lua: &'a Lua,
    s: &'a [u8],
    at: usize,
    depth: usize,
}

type Parsed<T> = Result<T, String>;

impl Parser<'_> {
    fn byte(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn document(&mut self) -> Parsed<Value> {
        if self.s.len() >= 2 && (self.s[0] == 0 || self.s[1] == 0) {
            return Err("JSON parser does not support UTF-16 or UTF-32".into());
        }
        let (start, first) = self.next()?;
        let value = self.value(start, first)?;
        let (start, last) = self.next()?;
        match last {
            Lexeme::Punct(Token::End) => Ok(value),
            other => Err(self.expected("the end", start, &other)),
        }
    }

    /// "Expected <what> but found <token> at character <n>" (`n` from 1).
    fn expected(&self, what: &str, start: usize, found: &Lexeme) -> String {
        let (name, at) = match found {
            Lexeme::Punct(t) => (t.name(), start),
            Lexeme::Value(_, name) => (*name, start),
            Lexeme::Error(reason) => (*reason, self.at),
        };
        format!("Expected {what} but found {name} at character {}", at + 1)
    }

    /// The next token and where it starts.
    fn next(&mut self) -> Parsed<(usize, Lexeme)> {
        while matches!(self.byte(self.at), b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
        let start = self.at;
        let c = self.byte(self.at);
        let punct = match c {
            b'{' => Some(Token::ObjBegin),
            b'}' => Some(Token::ObjEnd),
            b'[' => Some(Token::ArrBegin),
            b']' => Some(Token::ArrEnd),
            b',' => Some(Token::Comma),
            b':' => Some(Token::Colon),
            0 => return Ok((start, Lexeme::Punct(Token::End))),
            _ => None,
        };
        if let Some(t) = punct {
            self.at += 1;
            return Ok((start, Lexeme::Punct(t)));
        }
        let rest = &self.s[self.at..];
        let lexeme = match c {
            b'"' => self.string()?,
            b'-' | b'0'..=b'9' => self.number(),
            _ if rest.starts_with(b"true") => self.word(4, Value::Boolean(true), "T_BOOLEAN"),
            _ if rest.starts_with(b"false") => self.word(5, Value::Boolean(false), "T_BOOLEAN"),
            _ if rest.starts_with(b"null") => self.word(4, null(), "T_NULL"),
            _ => Lexeme::Error("invalid token"),
        };
        Ok((start, lexeme))
    }

    fn word(&mut self, len: usize, v: Value, name: &'static str) -> Lexeme {
        self.at += len;
        Lexeme::Value(v, name)
    }

    fn value(&mut self, start: usize, lexeme: Lexeme) -> Parsed<Value> {
        match lexeme {
            Lexeme::Value(v, _) => Ok(v),
            Lexeme::Punct(Token::ObjBegin) => self.object(),
            Lexeme::Punct(Token::ArrBegin) => self.array(),
            other => Err(self.expected("value", start, &other)),
        }
    }

    fn descend(&mut self) -> Parsed<Table> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("Found too many nested data structures ({}) at character {}", self.depth, self.at));
        }
        self.lua.create_table().map_err(|e| e.to_string())
    }

    fn object(&mut self) -> Parsed<Value> {
        let t = self.descend()?;
        let (mut start, mut token) = self.next()?;
        if matches!(token, Lexeme::Punct(Token::ObjEnd)) {
            self.depth -= 1;
            return Ok(Value::Table(t));
        }
        loop {
            let key = match token {
                Lexeme::Value(key @ Value::String(_), _) => key,
                other => return Err(self.expected("object key string", start, &other)),
            };
            let (colon_at, colon) = self.next()?;
            if !matches!(colon, Lexeme::Punct(Token::Colon)) {
                return Err(self.expected("colon", colon_at, &colon));
            }
            let (value_at, value) = self.next()?;
            let value = self.value(value_at, value)?;
            t.raw_set(key, value).map_err(|e| e.to_string())?;
            let (after_at, after) = self.next()?;
            match after {
                Lexeme::Punct(Token::ObjEnd) => {
                    self.depth -= 1;
                    return Ok(Value::Table(t));
                }
                Lexeme::Punct(Token::Comma) => {}
                other => return Err(self.expected("comma or object end", after_at, &other)),
            }
            (start, token) = self.next()?;
        }
    }

    fn array(&mut self) -> Parsed<Value> {
        let t = self.descend()?;
        let (mut start, mut token) = self.next()?;
        if matches!(token, Lexeme::Punct(Token::ArrEnd)) {
            self.depth -= 1;
            return Ok(Value::Table(t));
        }
        for i in 1.. {
            let value = self.value(start, token)?;
            t.raw_set(i, value).map_err(|e| e.to_string())?;
            let (after_at, after) = self.next()?;
            match after {
                Lexeme::Punct(Token::ArrEnd) => break,
                Lexeme::Punct(Token::Comma) => {}
                other => return Err(self.expected("comma or array end", after_at, &other)),
            }
            (start, token) = self.next()?;
        }
        self.depth -= 1;
        Ok(Value::Table(t))
    }

    /// A string token; errors leave `at` where the string went wrong, as cjson's do.
    fn string(&mut self) -> Parsed<Lexeme> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.byte(self.at) {
                b'"' => break,
                0 => return Ok(Lexeme::Error("unexpected end of string")),
                b'\\' => {
                    let unescaped = match self.byte(self.at + 1) {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b't' => b'\t',
                        b'n' => b'\n',
                        b'f' => 0x0c,
                        b'r' => b'\r',
                        b'u' => match self.unicode_escape() {
                            Some((ch, len)) => {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                self.at += len;
                                continue;
                            }
                            None => return Ok(Lexeme::Error("invalid unicode escape code")),
                        },
                        _ => return Ok(Lexeme::Error("invalid escape code")),
                    };
                    out.push(unescaped);
                    self.at += 2;
                }
                c => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
        self.at += 1;
        let s = self.lua.create_string(out).map_err(|e| e.to_string())?;
        Ok(Lexeme::Value(Value::String(s), "T_STRING"))
    }

    fn hex4(&self, from: usize) -> Option<u32> {
        let digits = self.s.get(from..from + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(text, 16).ok()
    }

    /// `\uXXXX` (or a surrogate pair `\uD8xx\uDCxx`) at `at`: the character and the bytes used.
    fn unicode_escape(&self) -> Option<(char, usize)> {
        let unit = self.hex4(self.at + 2)?;
        if unit & 0xF800 != 0xD800 {
            return Some((char::from_u32(unit)?, 6));
        }
        if unit & 0x400 != 0 || self.byte(self.at + 6) != b'\\' || self.byte(self.at + 7) != b'u' {
            return None;
        }
        let low = self.hex4(self.at + 8)?;
        if low & 0xFC00 != 0xDC00 {
            return None;
        }
        let code = (((unit & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
        Some((char::from_u32(code)?, 12))
    }

    /// A number token: `strtod`'s reading, then, without a `.`, `strtoll`'s (which decides
    /// where the token ends).
    fn number(&mut self) -> Lexeme {
        let rest = &self.s[self.at..];
        let digits = rest.strip_prefix(b"-").unwrap_or(rest);
        let invalid = match digits.first() {
            Some(b'0') => matches!(digits.get(1), Some(b'x' | b'X' | b'0'..=b'9')),
            Some(c) if *c > b'9' => {
                let word = digits.get(..3).map(<[u8]>::to_ascii_lowercase);
                matches!(word.as_deref(), Some(b"inf" | b"nan"))
            }
            _ => false,
        };
        let Some((float, float_len)) = (!invalid).then(|| strtod(rest)).flatten() else {
            return Lexeme::Error("invalid number");
        };
        let token = &rest[..float_len];
        if token == b"0" {
            self.at += 1;
            return Lexeme::Value(Value::Integer(0), "T_INTEGER");
        }
        if token.contains(&b'.') {
            self.at += float_len;
            return Lexeme::Value(Value::Number(float), "T_NUMBER");
        }
        let (int, int_len) = strtoll(rest);
        self.at += int_len;
        if int != 0 {
            Lexeme::Value(Value::Integer(int), "T_INTEGER")
        } else {
            Lexeme::Value(Value::Number(float), "T_NUMBER")
        }
    }
}

/// C's `strtod` on a decimal number at the start of `s`: the value and the bytes it used.
fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    let int_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        frac_digits = s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(s.get(i + 1), Some(b'-' | b'+')));
        let exp_digits = s[i + 1 + sign..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            i += 1 + sign + exp_digits;
        }
    }
    let text = std::str::from_utf8(&s[..i]).ok()?;
    // Rust's float syntax wants a digit on each side of the point.
    let text = text.replace("-.", "-0.").replace(".e", ".0e").replace(".E", ".0E");
    let text = if text.starts_with('.') { format!("0{text}") } else { text };
    let text = if text.ends_with('.') { format!("{text}0") } else { text };
    text.parse().ok().map(|x| (x, i))
}

/// C's `strtoll(s, &end, 0)` on a decimal integer at the start of `s` (the caller has refused
/// hex and octal forms): the value, saturated, and the bytes it used (0 when there is none).
fn strtoll(s: &[u8]) -> (i64, usize) {
    let negative = s.first() == Some(&b'-');
    let sign = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    let digits = s[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return (0, 0);
    }
    let mut value: i64 = 0;
    for &d in &s[sign..sign + digits] {
        let d = i64::from(d - b'0');
        value = if negative {
            value.saturating_mul(10).saturating_sub(d)
        } else {
            value.saturating_mul(10).saturating_add(d)
        };
    }
    (value, sign + digits)
}

#[cfg(test)]
mod tests {
    use super::{float_format, strtod, strtoll};

    #[test]
    fn number_readers_stop_where_c_stops() {
        assert_eq!(strtod(b"1.5e3,"), Some((1500.0, 5)));
        assert_eq!(strtod(b"-.5]"), Some((-0.5, 3)));
        assert_eq!(strtod(b"1.]"), Some((1.0, 2)));
        assert_eq!(strtod(b"1e]"), Some((1.0, 1)));
        assert_eq!(strtod(b"-x"), None);
        assert_eq!(strtoll(b"1e5"), (1, 1));
        assert_eq!(strtoll(b"-99999999999999999999"), (i64::MIN, 21));
        assert!(float_format(b"3f").is_some() && float_format(b"%.12g").is_some());
        assert!(float_format(b"f").is_none() && float_format(b"1234f").is_none() && float_format(b"%3f").is_none());
    }
}
