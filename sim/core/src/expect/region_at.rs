//! `region:` the sleep region's entries at one moment (`at:`), as a boot at that moment would
//! read them: each named key holds the value given (compared as Lua literals, so `3` and
//! `3.0` differ as integer and float do on the device), or with `null` is absent.

use super::charge::sample_at;
use super::{Cause, CauseKind};
use crate::figures::Stats;
use crate::time::{Micros, Secs};

#[derive(Debug, Clone, PartialEq)]
pub struct RegionAt {
    pub at: Micros,
    /// (key, the value's Lua literal; `nil` for absent), in the scenario's order.
    pub values: Vec<(String, String)>,
}

impl RegionAt {
    /// Passed, and for a failure the first key that differs.
    pub fn verdict(&self, stats: &Stats) -> (bool, Option<Cause>) {
        let unmet = |line: String| (false, Some(Cause { kind: CauseKind::Unmet, at_us: self.at, line }));
        let Some(sample) = sample_at(&stats.samples, self.at) else {
            return unmet(format!("the run ended at {} s, before {} s", Secs(stats.simulated_us), Secs(self.at)));
        };
        let Some(region) = &sample.region else {
            return unmet(format!("the region was torn at {} s: a boot would find it corrupt", Secs(self.at)));
        };
        for (key, want) in &self.values {
            let found = region.get(key).map_or("nil", String::as_str);
            if found != want {
                return unmet(format!("`{key}` was {found}, expected {want}"));
            }
        }
        (true, None)
    }
}
