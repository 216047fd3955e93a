//! The device's power phases from its trace: booting from a boot until the first event after
//! it, awake until deep sleep, a boot or the end, asleep from deep sleep until the next boot.
//! A light sleep is a span inside the awake phase, as long as the sleep event says.

use crate::time::{Micros, MICROS_PER_MS};
use crate::trace::{Event, EventKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Booting,
    Awake,
    /// Deep sleep (or a sleep without a duration), until the next boot.
    Asleep,
    /// A light sleep of known length, inside the awake phase.
    LightSleep,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Booting => "booting",
            Phase::Awake => "awake",
            Phase::Asleep => "deep sleep",
            Phase::LightSleep => "light sleep",
        }
    }
}

/// A half-open span `[start, end)` of one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseSpan {
    pub phase: Phase,
    pub start: Micros,
    pub end: Micros,
}

/// Follows the phases event by event.
#[derive(Debug, Clone, Default)]
pub struct Phases {
    /// The phase the device is in and since when; `None` before the first boot and after the end.
    current: Option<(Phase, Micros)>,
}

impl Phases {
    /// Follows `event` (events come in time order) and hands every span it ends to `ended`, in
    /// order: the boot that the first later event ends, then the phase a boot, a deep sleep or
    /// the end closes, or the light sleep the event starts.
    pub fn see(&mut self, event: &Event, mut ended: impl FnMut(PhaseSpan)) {
        let at = event.at_us;
        if let Some((Phase::Booting, since)) = self.current {
            if at > since {
                ended(PhaseSpan { phase: Phase::Booting, start: since, end: at });
                self.current = Some((Phase::Awake, at));
            }
        }
        let next = match &event.kind {
            EventKind::Boot { .. } => Some(Phase::Booting),
            EventKind::Sleep { mode, ms: Some(ms) } if mode == "light" => {
                let end = at.saturating_add(ms.saturating_mul(MICROS_PER_MS));
                ended(PhaseSpan { phase: Phase::LightSleep, start: at, end });
                return;
            }
            EventKind::Sleep { .. } => Some(Phase::Asleep),
            EventKind::End { .. } => None,
            _ => return,
        };
        if let Some(span) = self.close(at) {
            ended(span);
        }
        self.current = next.map(|phase| (phase, at));
    }

    /// Ends the current phase at `at`, the last event's time.
    pub fn finish(&mut self, at: Micros) -> Option<PhaseSpan> {
        self.close(at)
    }

    fn close(&mut self, at: Micros) -> Option<PhaseSpan> {
        let (phase, start) = self.current.take()?;
        Some(PhaseSpan { phase, start, end: at })
    }
}
