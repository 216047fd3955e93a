//! Field tests on a JSON payload, for `mqtt:` expectations with `json:`: a dotted path (array
//! items by index, `readings.0`) and either a value the field must equal or comparisons
//! (`{ gt: 80, le: 120 }`; `eq`/`ne` take any JSON value, the others numbers).

use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Compare {
    pub const NAMES: [(&'static str, Compare); 6] = [
        ("eq", Compare::Eq),
        ("ne", Compare::Ne),
        ("gt", Compare::Gt),
        ("ge", Compare::Ge),
        ("lt", Compare::Lt),
        ("le", Compare::Le),
    ];

    fn symbol(self) -> &'static str {
        match self {
            Compare::Eq => "==",
            Compare::Ne => "!=",
            Compare::Gt => ">",
            Compare::Ge => ">=",
            Compare::Lt => "<",
            Compare::Le => "<=",
        }
    }

    fn holds(self, found: &Value, want: &Value) -> bool {
        match self {
            Compare::Eq => same(found, want),
            Compare::Ne => !same(found, want),
            _ => match (found.as_f64(), want.as_f64()) {
                (Some(a), Some(b)) => match self {
                    Compare::Gt => a > b,
                    Compare::Ge => a >= b,
                    Compare::Lt => a < b,
                    _ => a <= b,
                },
                _ => false,
            },
        }
    }
}

/// Equal as JSON values, numbers by value (`85` equals `85.0`, as Lua's `==` has it).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    }
}

/// One test on one field.
#[derive(Debug, Clone)]
pub struct FieldTest {
    pub path: String,
    pub compare: Compare,
    pub value: Value,
}

impl FieldTest {
    /// The tests of a `json:` map: each field's value is what it must equal, or a map of
    /// comparisons (`{ gt: 80 }`).
    pub fn parse(fields: &serde_json::Map<String, Value>) -> Result<Vec<FieldTest>, String> {
        let mut tests = Vec::new();
        for (path, want) in fields {
            match want {
                Value::Object(ops)
                    if !ops.is_empty() && ops.keys().all(|k| Compare::NAMES.iter().any(|(n, _)| n == k)) =>
                {
                    for (op, value) in ops {
                        let (_, compare) = Compare::NAMES.iter().find(|(n, _)| n == op).expect("checked above");
                        if !matches!(compare, Compare::Eq | Compare::Ne) && !value.is_number() {
                            return Err(format!("`json: {{ {path}: {{ {op}: ... }} }}` compares numbers; got {value}"));
                        }
                        tests.push(FieldTest { path: path.clone(), compare: *compare, value: value.clone() });
                    }
                }
                value => tests.push(FieldTest { path: path.clone(), compare: Compare::Eq, value: value.clone() }),
            }
        }
        if tests.is_empty() {
            return Err("`json:` needs at least one field".into());
        }
        Ok(tests)
    }

    /// Whether the payload's field passes; a payload that is not JSON, or lacks the field,
    /// does not.
    pub fn passes(&self, payload: &Value) -> bool {
        self.path
            .split('.')
            .try_fold(payload, |v, key| match v {
                Value::Object(map) => map.get(key),
                Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            })
            .is_some_and(|found| self.compare.holds(found, &self.value))
    }
}

impl fmt::Display for FieldTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.path, self.compare.symbol(), self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tests_of(v: Value) -> Vec<FieldTest> {
        FieldTest::parse(v.as_object().unwrap()).unwrap()
    }

    #[test]
    fn equality_comparisons_and_paths() {
        let payload = json!({"temp": 85, "state": "ON", "readings": [1.5, 2.5], "site": {"id": 7}});
        let pass =
            tests_of(json!({"temp": 85.0, "state": "ON", "readings.1": {"gt": 2}, "site.id": {"ge": 7, "lt": 8}}));
        assert!(pass.iter().all(|t| t.passes(&payload)));
        let fail = tests_of(json!({"temp": {"gt": 90}, "state": "OFF", "missing": 1, "readings.5": 1, "state.x": 1}));
        assert!(fail.iter().all(|t| !t.passes(&payload)));
        assert!(tests_of(json!({"temp": {"ne": "85"}}))[0].passes(&payload), "a string is not a number");
    }

    #[test]
    fn ordering_needs_numbers() {
        let err = FieldTest::parse(json!({"state": {"gt": "A"}}).as_object().unwrap()).unwrap_err();
        assert!(err.contains("compares numbers"), "{err}");
    }
}
