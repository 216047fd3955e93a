//! What a trace means over time, read off its events one at a time: the device's power phases,
//! the packing of timers into tracks, and the levels of its counters (queue depth, armed
//! timers). The terminal timeline and the Perfetto export both draw these, so they are worked
//! out here once and the two views cannot disagree.

mod counters;
mod power;
mod tracks;

pub use counters::{Counter, Counters};
pub use power::{Phase, PhaseSpan, Phases};
pub use tracks::{ArmedSpan, TimerTracks};
