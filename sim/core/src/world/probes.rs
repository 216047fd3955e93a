//! Samples of the device at moments the expectations name (`charge:` over a window, `region:`
//! at a moment): the charge drawn so far and the sleep region as a boot would read it.
//!
//! A sample is taken when the clock is about to pass its moment, so it sees the device as it
//! is at the end of that instant: nothing changes between two clock moves. Moments the run does
//! not reach are never sampled. Sampling reads the world and changes nothing in it, so the trace
//! is the same with or without expectations that ask for samples.

use super::sleep_region::{RtcKey, RtcValue};
use super::World;
use crate::figures::Sample;
use crate::literal::Literal;
use crate::time::Micros;

/// The moments still to sample, in order, and the samples taken.
#[derive(Debug, Clone, Default)]
pub struct Probes {
    pending: Vec<Micros>,
    taken: Vec<Sample>,
}

impl Probes {
    /// Probes at these moments (any order, repeats allowed).
    pub fn at(mut moments: Vec<Micros>) -> Probes {
        moments.sort_unstable_by(|a, b| b.cmp(a));
        moments.dedup();
        Probes { pending: moments, taken: Vec::new() }
    }

    /// The next moment to sample, if it comes before `until`.
    fn due_before(&self, until: Micros) -> Option<Micros> {
        self.pending.last().copied().filter(|&at| at < until)
    }
}

impl World {
    /// Moves the clock to `to`, sampling first every probe moment it passes.
    pub(super) fn advance_clock(&mut self, to: Micros) {
        while let Some(at) = self.probes.due_before(to) {
            self.probes.pending.pop();
            let sample = self.sample(at);
            self.probes.taken.push(sample);
        }
        self.clock.advance_to(to);
    }

    /// The samples taken, and those due at the run's last moment (nothing changes after it).
    pub(super) fn samples(&self) -> Vec<Sample> {
        let now = self.clock.now();
        let last = self.probes.pending.iter().rev().take_while(|&&at| at <= now);
        self.probes.taken.iter().cloned().chain(last.map(|&at| self.sample(at))).collect()
    }

    /// The device at `at`, a moment no earlier than the clock's last move and no later than
    /// the next.
    fn sample(&self, at: Micros) -> Sample {
        let charge_mah = self.energy.report(at, &self.profile.currents, self.radio).charge_mah;
        let region = self.sleep_region.readable().map(|store| {
            store
                .iter()
                .map(|(key, value)| (String::from_utf8_lossy(key).into_owned(), literal(value).text()))
                .collect()
        });
        Sample { at_us: at, charge_mah, region }
    }
}

/// A sleep-region value as the Lua literal `RTC.get` would give.
fn literal(value: &RtcValue) -> Literal {
    match value {
        RtcValue::Bool(b) => Literal::Bool(*b),
        RtcValue::Int(i) => Literal::Int(*i),
        RtcValue::Float(x) => Literal::Float(*x),
        RtcValue::Str(s) => Literal::Str(String::from_utf8_lossy(s).into_owned()),
        RtcValue::Table(entries) => Literal::table(entries.iter().map(|(k, v)| (key(k), literal(v))).collect()),
    }
}

fn key(key: &RtcKey) -> Literal {
    match key {
        RtcKey::Int(i) => Literal::Int(*i),
        RtcKey::Str(s) => Literal::Str(String::from_utf8_lossy(s).into_owned()),
    }
}
