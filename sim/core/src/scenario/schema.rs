//! The scenario format as a JSON Schema (draft 2020-12), for editors and validators
//! (`luasim schema`).
//!
//! Derived with `schemars` from the serde types the loader reads (`doc.rs`), so a key added,
//! renamed or removed there changes the schema too: the two cannot drift. This file holds only
//! what a derive cannot see: the text forms the loader parses by hand (durations, the device, a
//! matcher), the names it checks against lists kept elsewhere (profiles, modules, measures), and
//! the "exactly one action" rules its `TryFrom` conversions enforce.

use super::doc::{DeviceDoc, DeviceOverrides, Duration, ScenarioDoc, VM_LIBS};
use crate::expect::{Measure, PHASE_NAMES};
use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};
use std::borrow::Cow;

/// A number as `parse_duration` reads it: digits with `_` anywhere, at most one `.`, an
/// optional exponent; then the unit, spaces allowed around both.
const DURATION_BODY: &str =
    r"_*(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]*[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?\s*(?:us|µs|ms|s|min|m|h|d)\s*";

/// The pattern a duration matches (`250ms`, `1.5s`, `7d`).
pub fn duration_pattern() -> String {
    format!(r"^\s*{DURATION_BODY}$")
}

/// The pattern of a signed duration (`clock_jump: { by: -1h }`).
pub fn signed_duration_pattern() -> String {
    format!(r"^\s*-?{DURATION_BODY}$")
}

/// The schema of a scenario file, as `luasim schema` prints it.
pub fn scenario_schema() -> Value {
    let generator = SchemaSettings::draft2020_12().for_deserialize().into_generator();
    generator.into_root_schema_for::<ScenarioDoc>().to_value()
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": duration_pattern(),
            "description": "A span of virtual time with a unit: us, ms, s, m (or min), h, d (`250ms`, `1.5s`, `7d`).",
            "examples": ["250ms", "10s", "2h", "7d"],
        })
    }
}

impl JsonSchema for DeviceDoc {
    fn schema_name() -> Cow<'static, str> {
        "Device".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                profile_name(generator),
                generator.subschema_for::<DeviceOverrides>(),
            ],
        })
    }
}

/// The name of a built-in device profile.
pub(super) fn profile_name(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = crate::profile::all_names().collect();
    json_schema!({ "type": "string", "enum": names, "description": "A built-in device profile." })
}

/// Optional firmware modules, by the names the bindings install under.
pub(super) fn module_list(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["array", "null"], "items": { "type": "string", "enum": crate::bindings::build_options() } })
}

/// Libraries of the lean whole-VM state.
pub(super) fn vm_lib_list(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["array", "null"], "items": { "type": "string", "enum": VM_LIBS } })
}

pub(super) fn signed_duration(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": signed_duration_pattern(), "examples": ["1h", "-30m"] })
}

/// `[TOPIC, arg, ...]`: a topic string, then strings, numbers or booleans.
pub(super) fn publish_list(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "minItems": 1,
        "prefixItems": [{ "type": "string", "description": "The topic." }],
        "items": { "type": ["string", "number", "boolean"] },
    })
}

/// A fix table, or `lost`.
pub(super) fn gnss_step(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "oneOf": [
            { "type": "object", "description": "The new fix (`{ lat: 47.1, lon: 8.2 }`)." },
            { "const": "lost", "description": "The fix is lost." },
        ],
    })
}

/// `max:` bounds by measure name.
pub(super) fn measures(_: &mut SchemaGenerator) -> Schema {
    let properties: serde_json::Map<String, Value> =
        Measure::NAMES.iter().map(|(name, _)| (name.to_string(), json!({ "type": "number" }))).collect();
    json_schema!({ "type": "object", "properties": properties, "additionalProperties": false, "minProperties": 1 })
}

impl JsonSchema for super::doc::MatcherDoc {
    fn schema_name() -> Cow<'static, str> {
        "Matcher".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "string", "description": "Text the line contains." },
                {
                    "type": "object",
                    "properties": { "regex": { "type": "string", "description": "A regular expression (Rust `regex` syntax)." } },
                    "required": ["regex"],
                    "additionalProperties": false,
                },
            ],
        })
    }
}

impl JsonSchema for super::doc::ArgDoc {
    fn schema_name() -> Cow<'static, str> {
        "CallArgument".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A value the argument equals (`\"21.5 C\"`, `3`, `true`, a table), or `{ regex: \"...\" }` matching the argument as the trace prints it (strings in quotes).",
        })
    }
}

/// A `returns` entry has `value` or `sequence`.
pub(super) fn value_or_sequence(schema: &mut Schema) {
    exactly_one_besides(schema, &[]);
}

/// Requires exactly one of the object's properties other than `modifiers`.
fn exactly_one_besides(schema: &mut Schema, modifiers: &[&str]) {
    let choices: Vec<Value> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().filter(|k| !modifiers.contains(&k.as_str())).map(|k| json!({ "required": [k] })).collect())
        .unwrap_or_default();
    schema.insert("oneOf".into(), Value::Array(choices));
}

/// A step has `at`, may repeat, and does exactly one thing.
pub(super) fn one_action(schema: &mut Schema) {
    exactly_one_besides(schema, &["at", "repeat", "every"]);
}

/// An expectation judges exactly one thing; the rest say how often and when.
pub(super) fn one_target(schema: &mut Schema) {
    exactly_one_besides(schema, &["count", "at_least", "at_most", "within", "at", "json", "after", "args"]);
}

/// A line of a `sequence` or `after` is of exactly one kind.
pub(super) fn one_line_kind(schema: &mut Schema) {
    exactly_one_besides(schema, &[]);
}

/// `power:` takes a phase name.
pub(super) fn power_phases(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = PHASE_NAMES.iter().map(|(n, _)| *n).collect();
    json_schema!({ "enum": names })
}

impl JsonSchema for super::doc::WithinDoc {
    fn schema_name() -> Cow<'static, str> {
        "Within".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let duration = generator.subschema_for::<Duration>();
        json_schema!({
            "oneOf": [
                { "type": "array", "items": duration, "minItems": 2, "maxItems": 2, "description": "`[from, until]`, inclusive." },
                { "allOf": [duration], "description": "With `after`: how soon the answer must come." },
            ],
        })
    }
}

/// A `write` step takes `text` or `file`.
pub(super) fn text_or_file(schema: &mut Schema) {
    exactly_one_besides(schema, &["path"]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_duration;

    /// The pattern accepts exactly the texts `parse_duration` reads, but for those whose value it
    /// refuses (a fraction of a microsecond, past the largest duration).
    #[test]
    fn the_duration_pattern_matches_what_the_loader_parses() {
        let pattern = regex::Regex::new(&duration_pattern()).unwrap();
        let texts = [
            "250ms", "1.5s", "7d", "2h", "1m", "1min", "10us", "10µs", " 2 h ", "1_000ms", "_1ms", "1__0s", ".5s",
            "5.s", "1e3ms", "1E-3s", "1e+2us", "0s", "10", "ms", "-1s", "1x", "1.2.3s", "1e3", "e3ms", "1e ms", ".s",
            "1 s s", "1sec", "1_.5s", "+1s", "1,5s",
        ];
        let refused_for_value = ["1.5us", "1e30d"];
        for text in texts {
            assert_eq!(pattern.is_match(text), parse_duration(text).is_ok(), "`{text}`");
        }
        for text in refused_for_value {
            assert!(pattern.is_match(text) && parse_duration(text).is_err(), "`{text}`");
        }
        let signed = regex::Regex::new(&signed_duration_pattern()).unwrap();
        assert!(signed.is_match("-90m") && signed.is_match("1h") && !signed.is_match("--1h"));
    }
}
