//! `luasim schema` against a real validator (Python `jsonschema`, draft 2020-12): the schema is
//! itself valid; every scenario the repository ships (bundled, cross-check, `luasim check`
//! fixtures, the adversarial corpus) that the loader accepts also validates, and so does the
//! scenario reference in README.md; and files the loader refuses for a wrong key, type, unit or
//! shape fail validation too, `expects:` for `expect:` among them. Where no validator is
//! installed the test is skipped, except under CI, which installs one (.ci/run) and fails
//! without it.

use luasim_core::scenario::{HostFiles, Scenario, ScenarioErrorKind};
use luasim_tests::{luasim_binary, repo_root};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Adversarial files refused by the loader for what the schema describes, so it must refuse
/// them too.
const REFUSED_BY_SCHEMA: &[&str] = &[
    "tests/adversarial/duration_negative.yaml",
    "tests/adversarial/duration_without_unit.yaml",
    "tests/adversarial/duration_wrong_type.yaml",
    "tests/adversarial/repeat_zero.yaml",
    "tests/adversarial/step_time_without_unit.yaml",
    "tests/adversarial/step_two_actions.yaml",
    "tests/adversarial/tick_hz_zero.yaml",
    "tests/adversarial/top_level_list.yaml",
    "tests/adversarial/unknown_device_key.yaml",
    "tests/adversarial/unknown_expect_key.yaml",
    "tests/adversarial/unknown_key_far.yaml",
    "tests/adversarial/unknown_key_typo.yaml",
    "tests/adversarial/unknown_profile.yaml",
    "tests/adversarial/unknown_step_key.yaml",
];

/// Validates each document against `schema`; the error messages per document (none: valid).
const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1], encoding="utf-8"))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
docs = json.load(open(sys.argv[2], encoding="utf-8"))
print(json.dumps({name: [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
                  for name, doc in docs.items()}))
"#;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// The document as the loader's YAML parser reads it, as JSON.
fn as_json(text: &str) -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).expect("YAML");
    serde_json::to_value(yaml).expect("a JSON-shaped document")
}

/// The scenario blocks of the README (YAML blocks with `name:` and `duration:`).
fn readme_scenarios() -> Vec<(String, Value)> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let blocks = readme.split("```yaml\n").skip(1).filter_map(|rest| rest.split_once("\n```").map(|(b, _)| b));
    let found: Vec<(String, Value)> = blocks
        .map(as_json)
        .filter(|doc| doc.get("name").is_some() && doc.get("duration").is_some())
        .enumerate()
        .map(|(i, doc)| (format!("README.md scenario block {i}"), doc))
        .collect();
    assert!(!found.is_empty(), "README.md shows a scenario");
    found
}

/// Runs the validator on `docs`; `None` when python3 or jsonschema is missing (outside CI).
fn validate(docs: &BTreeMap<String, Value>) -> Option<BTreeMap<String, Vec<String>>> {
    let probe = Command::new("python3").args(["-c", "import jsonschema"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(std::env::var_os("CI").is_none(), "CI must have a JSON Schema validator: pip install jsonschema");
        eprintln!("skipped: no JSON Schema validator here (pip install jsonschema)");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("luasim-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (schema, input) = (dir.join("scenario.schema.json"), dir.join("docs.json"));
    let out = Command::new(luasim_binary()).args(["schema", "--out"]).arg(&schema).output().unwrap();
    assert!(out.status.success(), "luasim schema: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&input, serde_json::to_vec(docs).unwrap()).unwrap();
    let out = Command::new("python3").args(["-c", VALIDATE]).arg(&schema).arg(&input).output().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "validator: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).expect("the validator's verdicts"))
}

#[test]
fn shipped_scenarios_validate_and_malformed_ones_do_not() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/check", "tests/adversarial"] {
        yaml_files(&root.join(dir), &mut files);
    }
    let mut valid: BTreeMap<String, Value> = BTreeMap::new();
    for path in &files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        // Only what the loader accepts is parsed again here: the corpus holds YAML bombs.
        if Scenario::load(path, &HostFiles).is_ok() {
            valid.insert(name, as_json(&std::fs::read_to_string(path).unwrap()));
        }
    }
    assert!(valid.len() > 60, "found the shipped scenarios: {:?}", valid.keys());
    valid.extend(readme_scenarios());

    let mut invalid: BTreeMap<String, Value> = BTreeMap::new();
    for name in REFUSED_BY_SCHEMA {
        let path = root.join(name);
        let err = Scenario::load(&path, &HostFiles).expect_err("the loader refuses it");
        assert_eq!(err.kind, ScenarioErrorKind::Document, "{err}");
        invalid.insert(name.to_string(), as_json(&std::fs::read_to_string(path).unwrap()));
    }
    let blink = std::fs::read_to_string(root.join("scenarios/blink.yaml")).unwrap();
    let typo = blink.replace("\nexpect:", "\nexpects:");
    assert_ne!(typo, blink, "blink.yaml has expectations");
    let err = Scenario::parse(&typo, "typo.yaml", &root.join("scenarios"), &HostFiles).expect_err("refused");
    assert!(err.message.contains("unknown field `expects`"), "{err}");
    invalid.insert("blink.yaml with `expects:`".into(), as_json(&typo));

    let mut all = valid.clone();
    all.extend(invalid.clone());
    let Some(verdicts) = validate(&all) else { return };
    for name in valid.keys() {
        assert_eq!(verdicts[name], Vec::<String>::new(), "{name} should validate");
    }
    for name in invalid.keys() {
        assert!(!verdicts[name].is_empty(), "{name} should not validate");
    }
    let typo = &verdicts["blink.yaml with `expects:`"];
    assert!(typo.iter().any(|e| e.contains("'expects' was unexpected")), "{typo:?}");
}

#[test]
fn the_schema_describes_every_key_with_a_type_and_text() {
    let out = Command::new(luasim_binary()).arg("schema").output().unwrap();
    assert!(out.status.success());
    let schema: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["additionalProperties"], false);
    let mut objects: Vec<(String, &Map<String, Value>)> = vec![("(root)".into(), schema.as_object().unwrap())];
    objects.extend(schema["$defs"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_object().unwrap())));
    for (name, object) in objects {
        let Some(properties) = object.get("properties").and_then(Value::as_object) else { continue };
        if properties.len() > 1 {
            assert_eq!(object.get("additionalProperties"), Some(&Value::Bool(false)), "{name} refuses unknown keys");
        }
        for (key, property) in properties {
            let described = property.get("description").and_then(Value::as_str).is_some_and(|d| !d.is_empty());
            assert!(described, "{name}.{key} has a description: {property}");
        }
    }
    assert_eq!(schema["properties"]["duration"]["$ref"], "#/$defs/Duration");
    assert!(schema["$defs"]["Duration"]["pattern"].is_string());
}
