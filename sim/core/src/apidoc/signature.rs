//! Function signatures of the device API, written in `device.yaml` as text:
//! `(topic: string, payload: string) -> boolean`, `(ms?: integer)`, `(fn: function, ...: any)`,
//! `(text: string) -> any, string?` (several results; `?` may be nil), `() -> ...any`.
//!
//! Parsed once at load time so a typo in the description is a test failure, not a silent gap in
//! the lint or the editor definitions; printed back the same way for the reference docs.

use std::fmt;
use std::str::FromStr;

/// A value type, or a union of them (`function|thread`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type(Vec<Base>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    String,
    Number,
    Integer,
    Boolean,
    Function,
    Table,
    Thread,
    /// A light or full userdata (LuatOS's `json.null`).
    Userdata,
    Nil,
    Any,
}

const BASES: [(&str, Base); 10] = [
    ("string", Base::String),
    ("number", Base::Number),
    ("integer", Base::Integer),
    ("boolean", Base::Boolean),
    ("function", Base::Function),
    ("table", Base::Table),
    ("thread", Base::Thread),
    ("userdata", Base::Userdata),
    ("nil", Base::Nil),
    ("any", Base::Any),
];

impl Type {
    pub fn bases(&self) -> &[Base] {
        &self.0
    }

    pub fn is_any(&self) -> bool {
        self.0.contains(&Base::Any)
    }
}

/// A type or signature of an API description that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("unknown type `{}` (known: {})", .0, known_types())]
    UnknownType(String),
    /// The signature's shape is wrong: `why` says what a signature does instead.
    #[error("signature `{text}`: {why}")]
    Shape { text: String, why: &'static str },
    /// One of the signature's types is unknown.
    #[error("signature `{text}`: {source}")]
    Type { text: String, source: Box<SignatureError> },
}

/// The names of the types, for the error.
fn known_types() -> String {
    BASES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

impl FromStr for Type {
    type Err = SignatureError;
    fn from_str(text: &str) -> Result<Type, SignatureError> {
        let bases = text
            .split('|')
            .map(|part| {
                let part = part.trim();
                BASES
                    .iter()
                    .find(|(name, _)| *name == part)
                    .map(|(_, b)| *b)
                    .ok_or_else(|| SignatureError::UnknownType(part.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Type(bases))
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = BASES.iter().find(|(_, b)| b == self).map_or("?", |(n, _)| *n);
        f.write_str(name)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(Base::to_string).collect();
        f.write_str(&parts.join("|"))
    }
}

/// One parameter: `name: type`, `name?: type` (optional) or `...: type` (any number more).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    pub vararg: bool,
}

/// One result: `type`, `type?` (may be nil) or `...type` (any number more).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Return {
    pub ty: Type,
    pub optional: bool,
    pub vararg: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub params: Vec<Param>,
    /// What it returns, in order (none: nothing).
    pub returns: Vec<Return>,
}

impl Signature {
    /// Arguments a call must pass.
    pub fn required(&self) -> usize {
        self.params.iter().filter(|p| !p.optional && !p.vararg).count()
    }

    /// Most arguments a call may pass, `None` with a vararg.
    pub fn most(&self) -> Option<usize> {
        if self.params.iter().any(|p| p.vararg) {
            None
        } else {
            Some(self.params.len())
        }
    }

    /// The parameter an argument at 0-based `index` binds to.
    pub fn param(&self, index: usize) -> Option<&Param> {
        self.params.get(index).or_else(|| self.params.last().filter(|p| p.vararg))
    }
}

impl FromStr for Signature {
    type Err = SignatureError;
    fn from_str(text: &str) -> Result<Signature, SignatureError> {
        let bad = |why: &'static str| SignatureError::Shape { text: text.to_string(), why };
        let bad_type = |e: SignatureError| SignatureError::Type { text: text.to_string(), source: Box::new(e) };
        let rest = text.trim().strip_prefix('(').ok_or_else(|| bad("starts with `(`"))?;
        let (inside, after) = rest.split_once(')').ok_or_else(|| bad("has a closing `)`"))?;
        let returns = match after.trim() {
            "" => Vec::new(),
            r => {
                let list = r.strip_prefix("->").ok_or_else(|| bad("continues with `-> type` after `)`"))?;
                let mut returns = Vec::new();
                for part in list.split(',').map(str::trim) {
                    if returns.iter().any(|r: &Return| r.vararg) {
                        return Err(bad("has `...type` last among the results"));
                    }
                    let (part, vararg) = part.strip_prefix("...").map_or((part, false), |p| (p, true));
                    let (part, optional) = part.strip_suffix('?').map_or((part, false), |p| (p, true));
                    returns.push(Return { ty: part.trim().parse().map_err(bad_type)?, optional, vararg });
                }
                returns
            }
        };
        let mut params = Vec::new();
        for part in inside.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, ty) = part.split_once(':').ok_or_else(|| bad("writes parameters as `name: type`"))?;
            let (name, optional) = match name.trim().strip_suffix('?') {
                Some(n) => (n.to_string(), true),
                None => (name.trim().to_string(), false),
            };
            let vararg = name == "...";
            if params.iter().any(|p: &Param| p.vararg) {
                return Err(bad("has `...` last"));
            }
            if !optional && !vararg && params.iter().any(|p: &Param| p.optional) {
                return Err(bad("puts required parameters before optional ones"));
            }
            params.push(Param { name, ty: ty.parse().map_err(bad_type)?, optional, vararg });
        }
        Ok(Signature { params, returns })
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> =
            self.params.iter().map(|p| format!("{}{}: {}", p.name, if p.optional { "?" } else { "" }, p.ty)).collect();
        write!(f, "({})", params.join(", "))?;
        if !self.returns.is_empty() {
            let returns: Vec<String> = self
                .returns
                .iter()
                .map(|r| format!("{}{}{}", if r.vararg { "..." } else { "" }, r.ty, if r.optional { "?" } else { "" }))
                .collect();
            write!(f, " -> {}", returns.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_round_trip_and_count_arguments() {
        let text = "(fn: function, ms?: integer, ...: any) -> integer|nil";
        let sig: Signature = text.parse().unwrap();
        assert_eq!(sig.to_string(), text);
        assert_eq!((sig.required(), sig.most()), (1, None));
        assert_eq!(sig.param(5).map(|p| p.name.as_str()), Some("..."));
        let sig: Signature = "(topic: string, payload: string|number)".parse().unwrap();
        assert_eq!((sig.required(), sig.most()), (2, Some(2)));
        assert!(sig.param(2).is_none());
        let text = "(text: string) -> any, string?, ...integer";
        let sig: Signature = text.parse().unwrap();
        assert_eq!(sig.to_string(), text);
        let flags: Vec<(bool, bool)> = sig.returns.iter().map(|r| (r.optional, r.vararg)).collect();
        assert_eq!(flags, [(false, false), (true, false), (false, true)]);
    }

    #[test]
    fn mistakes_in_the_description_are_errors() {
        let message = |text: &str| text.parse::<Signature>().unwrap_err().to_string();
        assert!(message("(a: strng)").contains("unknown type `strng`"));
        assert!(message("(a?: string, b: string)").contains("before optional"));
        assert!(matches!("a: string".parse::<Signature>(), Err(SignatureError::Shape { .. })));
        let Err(SignatureError::Type { source, .. }) = "() -> boolen".parse::<Signature>() else { panic!() };
        assert_eq!(*source, SignatureError::UnknownType("boolen".into()));
        assert!(message("() -> ...any, string").contains("last among the results"));
    }
}
