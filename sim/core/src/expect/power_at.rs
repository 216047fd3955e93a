//! `power:` the device's power phase at one moment (`booting`, `awake`, `light_sleep`,
//! `deep_sleep`), read off the trace as the timeline draws it (`timeline::Phases`).

use super::{Cause, CauseKind};
use crate::time::{Micros, Secs};
use crate::timeline::{Phase, PhaseSpan, Phases};
use crate::trace::Event;

/// The scenario-file names of the phases.
pub const PHASE_NAMES: [(&str, Phase); 4] = [
    ("booting", Phase::Booting),
    ("awake", Phase::Awake),
    ("light_sleep", Phase::LightSleep),
    ("deep_sleep", Phase::Asleep),
];

pub fn phase_name(phase: Phase) -> &'static str {
    PHASE_NAMES.iter().find(|(_, p)| *p == phase).map_or("?", |(n, _)| n)
}

#[derive(Debug, Clone, Copy)]
pub struct PowerAt {
    pub at: Micros,
    pub phase: Phase,
}

#[derive(Debug, Clone, Default)]
pub struct PowerProgress {
    phases: Phases,
    found: Option<Phase>,
    last: Micros,
}

impl PowerProgress {
    pub fn observe(&mut self, want: &PowerAt, event: &Event) {
        self.last = event.at_us;
        let found = &mut self.found;
        self.phases.see(event, |span| note(found, want.at, span));
    }

    /// Passed, and for a failure what the phase was.
    pub fn verdict(&self, want: &PowerAt) -> (bool, Option<Cause>) {
        let mut found = self.found;
        if found.is_none() {
            let mut phases = self.phases.clone();
            if let Some(span) = phases.finish(self.last) {
                if span.start <= want.at && want.at <= span.end {
                    found = Some(span.phase);
                }
            }
        }
        let line = match found {
            Some(phase) if phase == want.phase => return (true, None),
            Some(phase) => format!("the device was {} at {} s", phase_name(phase), Secs(want.at)),
            None => format!("the run ended at {} s, before {} s", Secs(self.last), Secs(want.at)),
        };
        (false, Some(Cause { kind: CauseKind::Unmet, at_us: want.at, line }))
    }
}

/// Takes note of the phase a span gives the moment `at`; a light sleep, which lies inside the
/// awake phase and is reported before it ends, wins.
fn note(found: &mut Option<Phase>, at: Micros, span: PhaseSpan) {
    if span.start <= at && at < span.end && (found.is_none() || span.phase == Phase::LightSleep) {
        *found = Some(span.phase);
    }
}
