//! Values as Lua prints them: numbers as `tostring` does (`%.14g`, shared by the bindings), and
//! whole values as Lua literals, for the trace of user-module calls: `"21.5 C"`, `3`, `1.5`, `true`,
//! `{h = 40, t = 21.5}`. Table keys come sorted (integers, then strings, then the rest), never
//! in hash order, so the same call prints the same text on every run. A scenario's YAML values
//! (`args:` of a `call` expectation) print through the same rules, so the two compare as text.

use mlua::Value;

/// Deepest table nesting printed; below it a table is `{...}` (this also ends cycles).
const MAX_DEPTH: usize = 6;
/// Most entries printed of one table; the rest are `...`.
const MAX_ENTRIES: usize = 32;
/// Most entries read of all the tables of one value, so that wide and deep tables stay cheap.
const MAX_TOTAL: usize = 256;

/// A value reduced to what is printed (the world builds these from the sleep region's values).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Other(&'static str),
    /// Entries in print order; `None` past the depth limit.
    Table(Option<Vec<(Literal, Literal)>>),
}

impl Literal {
    /// A table of these entries, in print order whatever order they come in.
    pub fn table(entries: Vec<(Literal, Literal)>) -> Literal {
        Literal::Table(Some(sorted(entries)))
    }

    /// The value as a Lua literal.
    pub fn text(&self) -> String {
        render(self)
    }
}

/// A Lua value as a literal.
pub fn lua_literal(v: &Value) -> String {
    render(&from_lua(v, 0, &mut { MAX_TOTAL }))
}

/// A JSON value (from a scenario) as the literal of the Lua value it becomes.
pub fn json_literal(v: &serde_json::Value) -> String {
    render(&from_json(v))
}

fn from_lua(v: &Value, depth: usize, budget: &mut usize) -> Literal {
    match v {
        Value::Nil => Literal::Nil,
        Value::Boolean(b) => Literal::Bool(*b),
        Value::Integer(i) => Literal::Int(*i),
        Value::Number(x) => Literal::Float(*x),
        Value::String(s) => Literal::Str(s.to_string_lossy()),
        Value::Table(t) if depth < MAX_DEPTH && *budget > 0 => {
            let mut entries = Vec::new();
            for (k, v) in t.pairs::<Value, Value>().filter_map(Result::ok) {
                if *budget == 0 {
                    break;
                }
                *budget -= 1;
                entries.push((from_lua(&k, depth + 1, budget), from_lua(&v, depth + 1, budget)));
            }
            Literal::Table(Some(sorted(entries)))
        }
        Value::Table(_) => Literal::Table(None),
        other => Literal::Other(other.type_name()),
    }
}

fn from_json(v: &serde_json::Value) -> Literal {
    use serde_json::Value as J;
    match v {
        J::Null => Literal::Nil,
        J::Bool(b) => Literal::Bool(*b),
        J::Number(n) => n.as_i64().map_or_else(|| Literal::Float(n.as_f64().unwrap_or(f64::NAN)), Literal::Int),
        J::String(s) => Literal::Str(s.clone()),
        // As `json_to_lua` builds it: a sequence from 1 in which `null` leaves a hole.
        J::Array(items) => Literal::Table(Some(sorted(
            items
                .iter()
                .enumerate()
                .filter(|(_, item)| !item.is_null())
                .map(|(i, item)| (Literal::Int(i as i64 + 1), from_json(item)))
                .collect(),
        ))),
        J::Object(map) => Literal::Table(Some(sorted(
            map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (Literal::Str(k.clone()), from_json(v))).collect(),
        ))),
    }
}

/// Integer keys ascending, then string keys by bytes, then any other key by its text.
fn sorted(mut entries: Vec<(Literal, Literal)>) -> Vec<(Literal, Literal)> {
    entries.sort_by_key(|(key, _)| order(key));
    entries
}

fn order(key: &Literal) -> (u8, i64, String) {
    match key {
        Literal::Int(i) => (0, *i, String::new()),
        Literal::Str(s) => (1, 0, s.clone()),
        other => (2, 0, render(other)),
    }
}

fn render(lit: &Literal) -> String {
    match lit {
        Literal::Nil => "nil".into(),
        Literal::Bool(b) => b.to_string(),
        Literal::Int(i) => i.to_string(),
        Literal::Float(x) => format_number(*x),
        Literal::Str(s) => quote(s),
        Literal::Other(kind) => kind.to_string(),
        Literal::Table(None) => "{...}".into(),
        Literal::Table(Some(entries)) => {
            let mut parts = Vec::new();
            let mut next_index = 1;
            for (key, value) in entries.iter().take(MAX_ENTRIES) {
                let part = match key {
                    Literal::Int(i) if *i == next_index => {
                        next_index += 1;
                        render(value)
                    }
                    Literal::Str(s) if is_name(s) => format!("{s} = {}", render(value)),
                    other => format!("[{}] = {}", render(other), render(value)),
                };
                parts.push(part);
            }
            if entries.len() > MAX_ENTRIES {
                parts.push("...".into());
            }
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// A Lua name (`t`, `max_ms`): printed as `name = value` in a table.
fn is_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A string in double quotes, with `\"`, `\\` and control characters escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\{}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lua's `%.14g` for floats, as `tostring` prints them (`1.5`, `1e+20`, `0.1`, `3.0`).
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        // The sign of a NaN differs between x86 hosts and RISC-V devices; print it the same.
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let text = format_g14(x);
    if text.contains(['.', 'e', 'n', 'i']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// C's `%.14g`.
fn format_g14(x: f64) -> String {
    format_g(x, 14)
}

/// C's `%.<precision>g` for a finite `x`.
pub fn format_g(x: f64, precision: usize) -> String {
    let precision = precision.max(1);
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let sci = format!("{:.*e}", precision - 1, x);
    let (mantissa, exponent) = sci.split_once('e').expect("formatted with an exponent");
    let exponent: i32 = exponent.parse().expect("numeric exponent");
    if exponent < -4 || exponent >= precision as i32 {
        let mantissa = trim_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, x)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_print_as_the_lua_values_they_become() {
        let v: serde_json::Value = serde_json::json!({ "t": 21.5, "h": 40, "tags": ["a", null, "c"], "odd key": true });
        assert_eq!(json_literal(&v), r#"{h = 40, ["odd key"] = true, t = 21.5, tags = {"a", [3] = "c"}}"#);
        assert_eq!(json_literal(&serde_json::json!("say \"hi\"\n")), r#""say \"hi\"\n""#);
        assert_eq!(json_literal(&serde_json::json!(3.0)), "3.0");
    }

    #[test]
    fn lua_tables_print_sorted_and_bounded() {
        let lua = mlua::Lua::new();
        let t: Value = lua.load("return {3, 2, 1, z = 1, a = {b = {}}, [2.5] = false}").eval().unwrap();
        assert_eq!(lua_literal(&t), "{3, 2, 1, a = {b = {}}, z = 1, [2.5] = false}");
        let cycle: Value = lua.load("local t = {}; t.self = t; return t").eval().unwrap();
        let text = lua_literal(&cycle);
        assert_eq!(text, format!("{}{{...}}{}", "{self = ".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH)));
        let wide: Value = lua.load("local t = {}; for i = 1, 1000 do t[i] = {i, i} end; return t").eval().unwrap();
        let text = lua_literal(&wide);
        assert!(text.ends_with(", ...}") && text.len() < 400, "{text}");
    }
}
