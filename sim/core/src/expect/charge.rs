//! `charge:` the charge the battery gives over a window (`within: [from, until]`, the whole run
//! without one) stays within a budget in mAh: the energy model's figure (`docs/energy.md`)
//! sampled at the window's ends, not extrapolated from the run's average.

use super::{Cause, CauseKind};
use crate::figures::{Sample, Stats};
use crate::literal::format_number;
use crate::time::{Micros, Secs};

/// The charge drawn in `[from, until]` (`until` = `Micros::MAX`: the run's end), or why the
/// window cannot be measured.
pub fn drawn(stats: &Stats, from: Micros, until: Micros) -> Result<f64, Cause> {
    let at = |moment: Micros| -> Result<f64, Cause> {
        if moment == Micros::MAX {
            return Ok(stats.energy.charge_mah);
        }
        sample_at(&stats.samples, moment).map(|s| s.charge_mah).ok_or_else(|| Cause {
            kind: CauseKind::Unmet,
            at_us: moment,
            line: format!("the run ended at {} s, before the window's {} s", Secs(stats.simulated_us), Secs(moment)),
        })
    };
    Ok(at(until)? - at(from)?)
}

/// The verdict of a budget of `max_mah` over the window.
pub fn verdict(stats: &Stats, from: Micros, until: Micros, max_mah: f64) -> (bool, f64, Option<Cause>) {
    match drawn(stats, from, until) {
        Ok(mah) if mah <= max_mah => (true, mah, None),
        Ok(mah) => {
            let line = format!("{mah:.6} mAh drawn, over the budget of {} mAh", format_number(max_mah));
            (false, mah, Some(Cause { kind: CauseKind::Unmet, at_us: until.min(stats.simulated_us), line }))
        }
        Err(cause) => (false, f64::NAN, Some(cause)),
    }
}

/// The sample taken at `at`, if the run got there.
pub fn sample_at(samples: &[Sample], at: Micros) -> Option<&Sample> {
    samples.iter().find(|s| s.at_us == at)
}
