//! What the functions of the project's own firmware modules return when they have no mock:
//! the scenario's `returns:` (one value, or a sequence walked one call at a time) as changed by
//! its `set` steps. Part of the world, not of a Lua state: it is the scenario's outside world
//! (the sensor's readings), so reboots and reloads do not rewind it.

use std::collections::BTreeMap;

/// The values each function returns, by `Module.function`.
#[derive(Debug, Default)]
pub struct Returns {
    by_function: BTreeMap<String, Sequence>,
}

#[derive(Debug)]
struct Sequence {
    values: Vec<serde_json::Value>,
    next: usize,
}

impl Returns {
    /// From the scenario's `returns:` (values, whether a sequence); one value repeats forever.
    pub fn new(list: &[(String, Vec<serde_json::Value>, bool)]) -> Returns {
        let by_function =
            list.iter().map(|(f, values, _)| (f.clone(), Sequence { values: values.clone(), next: 0 })).collect();
        Returns { by_function }
    }

    /// What the next call of `function` returns, if the scenario says.
    pub fn next(&mut self, function: &str) -> Option<serde_json::Value> {
        let s = self.by_function.get_mut(function)?;
        let value = s.values.get(s.next.min(s.values.len().saturating_sub(1))).cloned();
        s.next = s.next.saturating_add(1);
        value
    }

    /// A `set` step: `function` returns `value` from now on.
    pub fn set(&mut self, function: &str, value: serde_json::Value) {
        self.by_function.insert(function.to_string(), Sequence { values: vec![value], next: 0 });
    }
}

impl super::World {
    /// A mock posts a `sys` message through the rtos queue, as the firmware's C can; a full
    /// queue drops it (traced).
    pub fn mock_publish(&mut self, topic: String, args: Vec<super::Arg>) {
        self.post(super::Message::Publish { topic, args }, |_| None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sequences_repeat_their_last_value_and_set_replaces_them() {
        let mut r = Returns::new(&[("B.read".into(), vec![json!(1), json!(2)], true)]);
        let seen: Vec<_> = (0..3).map(|_| r.next("B.read")).collect();
        assert_eq!(seen, [Some(json!(1)), Some(json!(2)), Some(json!(2))]);
        r.set("B.read", json!({ "t": 3 }));
        assert_eq!(r.next("B.read"), Some(json!({ "t": 3 })));
        assert_eq!(r.next("D.draw"), None);
    }
}
