//! LuatOS's extensions of the `string` library (`toHex`, `split`, `toBase64`...), for builds
//! with the `luatos` module, so LuatOS scripts that use them run unchanged.
//!
//! Written from LuatOS's documentation and the behaviour its C code shows
//! (`lua/src/lstrlib_exts.c` in openLuat/LuatOS), quirks included: `toHex` puts the separator
//! after every byte and returns the length without separators, `fromHex` skips what is not a
//! hex digit, `split` drops empty pieces unless asked, the base64 and base32 decoders return ""
//! for input they refuse. They are functions of `string`, so `s:toHex()` works too.

use super::{function, Args, BindResult, Binding};
use mlua::{Lua, Table, Value};

pub const BINDING: Binding =
    Binding { name: "string", module: Some(crate::profile::LUATOS), lean: false, simulator_only: true, install };

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn install(lua: &Lua) -> mlua::Result<()> {
    let string: Table = lua.globals().get("string")?;
    string.raw_set("toHex", function(lua, "toHex", to_hex)?)?;
    string.raw_set("fromHex", function(lua, "fromHex", from_hex)?)?;
    string.raw_set("split", function(lua, "split", split)?)?;
    string.raw_set("toValue", function(lua, "toValue", to_value)?)?;
    string.raw_set("urlEncode", function(lua, "urlEncode", url_encode)?)?;
    string.raw_set(
        "toBase64",
        function(lua, "toBase64", |lua, args: Args| bytes(lua, base64_encode(&args.bytes(1)?)))?,
    )?;
    string.raw_set(
        "fromBase64",
        function(lua, "fromBase64", |lua, args: Args| bytes(lua, base64_decode(&args.bytes(1)?).unwrap_or_default()))?,
    )?;
    string.raw_set(
        "toBase32",
        function(lua, "toBase32", |lua, args: Args| bytes(lua, base32_encode(&args.bytes(1)?)))?,
    )?;
    string.raw_set(
        "fromBase32",
        function(lua, "fromBase32", |lua, args: Args| bytes(lua, base32_decode(&args.bytes(1)?).unwrap_or_default()))?,
    )?;
    string.raw_set(
        "startsWith",
        function(lua, "startsWith", |_, args: Args| Ok(args.bytes(1)?.starts_with(&args.bytes(2)?)))?,
    )?;
    string.raw_set(
        "endsWith",
        function(lua, "endsWith", |_, args: Args| Ok(args.bytes(1)?.ends_with(&args.bytes(2)?)))?,
    )?;
    string.raw_set("trim", function(lua, "trim", trim)?)
}

fn bytes(lua: &Lua, b: Vec<u8>) -> BindResult<Value> {
    Ok(Value::String(lua.create_string(b)?))
}

/// `string.toHex(s [, sep])`: two upper-case digits and `sep` per byte; also `2 * #s`.
fn to_hex(lua: &Lua, args: Args) -> BindResult<(Value, i64)> {
    let s = args.bytes(1)?;
    let sep = args.opt_bytes(2, b"")?;
    let mut out = Vec::with_capacity(s.len() * (2 + sep.len()));
    for b in &s {
        out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
        out.extend_from_slice(&sep);
    }
    Ok((bytes(lua, out)?, 2 * s.len() as i64))
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' | b'A'..=b'F' => Some((c & 0x7) + 9),
        _ => None,
    }
}

/// `string.fromHex(hex)`: each two hex digits in a row make a byte; any other character drops
/// a pending half byte and is skipped.
fn from_hex(lua: &Lua, args: Args) -> BindResult<Value> {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    for c in args.bytes(1)? {
        match (hex_value(c), high) {
            (Some(low), Some(h)) => {
                out.push((h << 4) | low);
                high = None;
            }
            (Some(h), None) => high = Some(h),
            (None, _) => high = None,
        }
    }
    bytes(lua, out)
}

/// `string.split(s [, delimiter [, keep_empty]])`: the pieces between delimiters (`,` when
/// absent or empty); empty pieces only with `keep_empty == true`.
fn split(lua: &Lua, args: Args) -> BindResult<Table> {
    let s = args.bytes(1)?;
    let t = lua.create_table()?;
    if s.is_empty() {
        return Ok(t);
    }
    let mut delimiter = args.opt_bytes(2, b",")?;
    if delimiter.is_empty() {
        delimiter = b",".to_vec();
    }
    let keep = matches!(args.get(3), Value::Boolean(true));
    let mut pieces: Vec<&[u8]> = Vec::new();
    // `start` is where the current piece begins; a delimiter ends it, the end of `s` ends the
    // last one (an empty last piece only when kept).
    let (mut start, mut i) = (0, 0);
    while i < s.len() {
        if s[i..].starts_with(&delimiter) {
            if start != i || keep {
                pieces.push(&s[start..i]);
            }
            i += delimiter.len();
            start = i;
            if i == s.len() && keep {
                pieces.push(b"");
            }
        } else {
            i += 1;
            if i == s.len() {
                pieces.push(&s[start..]);
            }
        }
    }
    for (n, piece) in pieces.into_iter().enumerate() {
        t.raw_set(n + 1, lua.create_string(piece)?)?;
    }
    Ok(t)
}

/// `string.toValue(s)`: each character's value as a byte (`"1a"` → `"\1\10"`), and `#s`.
fn to_value(lua: &Lua, args: Args) -> BindResult<(Value, i64)> {
    let s = args.bytes(1)?;
    let out: Vec<u8> = s.iter().map(|&c| if c > b'9' { c.wrapping_add(9) } else { c } & 0x0F).collect();
    Ok((bytes(lua, out)?, s.len() as i64))
}

/// `string.urlEncode(s [, mode [, space, keep]])`: mode 0 (PHP, the default) keeps letters,
/// digits and `.-*_` and turns a space into `+`; mode 1 (RFC 3986) keeps `.-_` and writes
/// `%20`; mode -1 keeps the characters of `keep` and writes a space as `+` when `space` is 0.
fn url_encode(lua: &Lua, args: Args) -> BindResult<Value> {
    let s = args.bytes(1)?;
    let mode = if args.len() <= 1 { 0 } else { args.integer(2)? };
    let (plus, keep): (bool, Vec<u8>) = match mode {
        -1 => {
            let space = args.integer(3)?;
            (space == 0, args.bytes(4)?)
        }
        1 => (false, b".-_".to_vec()),
        _ => (true, b".-*_".to_vec()),
    };
    let mut out = Vec::with_capacity(s.len() + 16);
    for c in s {
        if c.is_ascii_alphanumeric() || keep.contains(&c) {
            out.push(c);
        } else if c == b' ' && plus {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(c >> 4)], HEX[usize::from(c & 0xF)]]);
        }
    }
    bytes(lua, out)
}

/// `string.trim(s [, left [, right]])`: without spaces, tabs, CR and LF at the ends; `left` and
/// `right` (booleans, default true) choose the ends.
fn trim(lua: &Lua, args: Args) -> BindResult<Value> {
    let s = args.bytes(1)?;
    let side = |n: usize| match args.get(n) {
        Value::Boolean(b) => b,
        _ => true,
    };
    let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let mut slice = &s[..];
    if side(2) {
        let skip = slice.iter().take_while(|c| blank(c)).count();
        slice = &slice[skip..];
    }
    if side(3) {
        let keep = slice.len() - slice.iter().rev().take_while(|c| blank(c)).count();
        slice = &slice[..keep];
    }
    bytes(lua, slice.to_vec())
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * k)) & 0x3F) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    out
}

/// Base64 digit value, 64 for the padding `=`, `None` for anything else.
fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'=' => Some(64),
        _ => BASE64.iter().position(|&d| d == c).map(|p| p as u8),
    }
}

/// LuatOS's decoder (mbedTLS's): line breaks (LF or CRLF) anywhere and spaces before a line
/// break or at the end are skipped; a space inside a line, a character outside the alphabet,
/// more than two `=` or a digit after one refuse the input. A last incomplete group is dropped.
fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut padding = 0;
    let mut digits = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let spaces = input[i..].iter().take_while(|&&c| c == b' ').count();
        i += spaces;
        if i == input.len() {
            break;
        }
        let c = input[i];
        i += 1;
        if c == b'\n' || (c == b'\r' && input.get(i) == Some(&b'\n')) {
            continue;
        }
        if spaces != 0 {
            return None;
        }
        let value = base64_value(c)?;
        if value == 64 {
            padding += 1;
            if padding > 2 {
                return None;
            }
        } else if padding != 0 {
            return None;
        }
        digits.push(value);
    }
    let mut out = Vec::with_capacity(digits.len() / 4 * 3);
    let mut kept = 3;
    for group in digits.chunks_exact(4) {
        let mut n = 0u32;
        for &d in group {
            kept -= usize::from(d == 64);
            n = (n << 6) | u32::from(d & 0x3F);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..1 + kept]);
    }
    Some(out)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
fn base32_encode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in input {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buffer >> (bits - 5)) & 0x1F) as usize]);
            bits -= 5;
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 0x1F) as usize]);
    }
    out
}

/// Base32, either case, reading `0` as `O`, `1` as `L` and `8` as `B`, skipping spaces, tabs,
/// line breaks and `-`, up to the first NUL; `None` (so "") for another character or no byte.
fn base32_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &c in input.iter().take_while(|&&c| c != 0) {
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'-') {
            continue;
        }
        let c = match c {
            b'0' => b'O',
            b'1' => b'L',
            b'8' => b'B',
            c => c,
        };
        let value = match c {
            b'A'..=b'Z' | b'a'..=b'z' => (c & 0x1F) - 1,
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        buffer = (buffer << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
            buffer &= (1 << bits) - 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_round_trip_and_refuse_like_luatos() {
        for s in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar", b"\xff\x00\x80"] {
            assert_eq!(base64_decode(&base64_encode(s)).unwrap(), s);
            if !s.is_empty() {
                assert_eq!(base32_decode(&base32_encode(s)).unwrap(), s);
            }
        }
        assert_eq!(base64_encode(b"foobar"), b"Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), b"Zm8=");
        assert_eq!(base32_encode(b"foobar"), b"MZXW6YTBOI");
        assert_eq!(base64_decode(b"Zm9v\r\nYmFy").unwrap(), b"foobar");
        assert_eq!(base64_decode(b"Zm 9v"), None);
        assert_eq!(base64_decode(b"Zm8=Zm8="), None);
        assert_eq!(base32_decode(b"mzxw6ytboi").unwrap(), b"foobar");
        assert_eq!(base32_decode(b"MZ!"), None);
    }
}
