//! One entry of an API description (`sim/check/api/device.yaml`, and the surface files of a
//! project's own firmware modules): a function with its signature, a module table with fields,
//! or a constant, with its doc and the build option it needs. One format, parsed here, for the
//! pre-flight lint, the editor definitions and the runtime's user modules alike.

use super::signature::{Base, Signature, SignatureError, Type};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One global or field.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawEntry")]
pub struct Entry {
    pub doc: Option<String>,
    /// The firmware module a build needs for this global to exist (`telegram`).
    pub needs: Option<String>,
    pub kind: Kind,
    /// A constant's value (`value: integer` with `equals: 128`): what a user module's constant
    /// holds at run time. The built-in description leaves it out (the runtime sets those).
    pub equals: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Function(Signature),
    /// A module table; `open` tables hold data keys that are not listed (`package.loaded`).
    Table {
        fields: BTreeMap<String, Entry>,
        open: bool,
    },
    /// A constant of this type.
    Value(Type),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    doc: Option<String>,
    needs: Option<String>,
    #[serde(rename = "fn")]
    function: Option<String>,
    fields: Option<BTreeMap<String, Entry>>,
    #[serde(default)]
    open: bool,
    value: Option<String>,
    equals: Option<serde_json::Value>,
}

/// An entry that does not describe one thing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("an entry has exactly one of `fn`, `fields`, `open: true` or `value`")]
    NotOneKind,
    #[error("`equals` gives a constant's value: it goes with `value: type`")]
    EqualsWithoutValue,
}

impl TryFrom<RawEntry> for Entry {
    type Error = EntryError;
    fn try_from(raw: RawEntry) -> Result<Entry, EntryError> {
        let kind = match (raw.function, raw.fields, raw.open, raw.value) {
            (Some(sig), None, false, None) => Kind::Function(sig.parse()?),
            (None, Some(fields), false, None) => Kind::Table { fields, open: false },
            (None, None, true, None) => Kind::Table { fields: BTreeMap::new(), open: true },
            (None, None, false, Some(ty)) => Kind::Value(ty.parse()?),
            _ => return Err(EntryError::NotOneKind),
        };
        if raw.equals.is_some() && !matches!(kind, Kind::Value(_)) {
            return Err(EntryError::EqualsWithoutValue);
        }
        Ok(Entry { doc: raw.doc, needs: raw.needs, kind, equals: raw.equals })
    }
}

impl Entry {
    pub fn fields(&self) -> Option<&BTreeMap<String, Entry>> {
        match &self.kind {
            Kind::Table { fields, open: false } => Some(fields),
            _ => None,
        }
    }

    pub fn signature(&self) -> Option<&Signature> {
        match &self.kind {
            Kind::Function(sig) => Some(sig),
            _ => None,
        }
    }

    /// What `type()` says of the value a script finds here.
    pub fn lua_type(&self) -> &'static str {
        match &self.kind {
            Kind::Function(_) => "function",
            Kind::Table { .. } => "table",
            Kind::Value(ty) => match ty.bases() {
                [Base::String] => "string",
                [Base::Boolean] => "boolean",
                [Base::Userdata] => "userdata",
                _ => "number",
            },
        }
    }
}
