//! What a scenario step does in each power state, as one table both sides play: the simulator
//! (`world/power.rs`) and the firmware (`playback.c`, through `pack_step_reaction` in the
//! generated `contract.h`). A step that finds the device asleep or off does not reach the
//! firmware; which ones still act (a GPIO edge, a brownout, the broker's outage) is decided here.

use super::pack::step_kind;

/// A power state as steps see it. Boot counts as awake: steps apply as soon as they are due.
/// The discriminant is the table's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Awake = 0,
    LightSleep = 1,
    DeepSleep = 2,
    Off = 3,
}

impl Phase {
    /// Every phase, in the order of the table's columns.
    pub const ALL: [Phase; 4] = [Phase::Awake, Phase::LightSleep, Phase::DeepSleep, Phase::Off];

    /// The C constant's suffix (`PACK_PHASE_DEEP_SLEEP`).
    pub const fn c_name(self) -> &'static str {
        match self {
            Phase::Awake => "AWAKE",
            Phase::LightSleep => "LIGHT_SLEEP",
            Phase::DeepSleep => "DEEP_SLEEP",
            Phase::Off => "OFF",
        }
    }

    /// The docs' column header.
    pub const fn title(self) -> &'static str {
        match self {
            Phase::Awake => "awake (and booting)",
            Phase::LightSleep => "light sleep",
            Phase::DeepSleep => "deep sleep",
            Phase::Off => "power off",
        }
    }
}

/// What a step does when it finds the device in a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Nobody is there to take it: traced as `missed while asleep` / `missed while off` and
    /// counted.
    Missed,
    /// It reaches the firmware and does what the step kind does (a message, an event, a file or
    /// a configuration value, a reset, a power cut).
    Enters,
    /// It wakes the device; the step is used up by the wake.
    Wakes,
    /// It cuts the supply of the sleeping chip (or arms a cut for the next sleep-region write).
    CutsPower,
    /// It happens outside the device (the broker's side), in every phase.
    Outside,
}

impl Reaction {
    /// Every reaction, in the order of the C enum (`Missed` is 0, so a kind the C table lacks
    /// is missed).
    pub const ALL: [Reaction; 5] =
        [Reaction::Missed, Reaction::Enters, Reaction::Wakes, Reaction::CutsPower, Reaction::Outside];

    /// The C constant's suffix (`PACK_REACT_MISSED`).
    pub const fn c_name(self) -> &'static str {
        match self {
            Reaction::Missed => "MISSED",
            Reaction::Enters => "ENTERS",
            Reaction::Wakes => "WAKES",
            Reaction::CutsPower => "CUTS_POWER",
            Reaction::Outside => "OUTSIDE",
        }
    }

    /// What it means, for the docs' legend.
    pub const fn meaning(self) -> &'static str {
        match self {
            Reaction::Missed => "nobody is there to take it: an `inject` line `missed while asleep: TEXT` or `missed while off: TEXT`, counted in the summary",
            Reaction::Enters => "it reaches the firmware and does what its kind does (a message, an event, a file, a value, a reset, a power cut)",
            Reaction::Wakes => "it wakes the device (`TEXT (wakes the device)`), which boots with that wake cause (light sleep: returns it)",
            Reaction::CutsPower => "the sleeping chip loses its supply: `brownout` or `power loss` (the sleep region is lost); a power loss `during_write` is armed for the next sleep-region write instead",
            Reaction::Outside => "it happens at the broker, outside the device: played (with its `inject` line) whatever the device does",
        }
    }

    /// The docs' cell.
    pub const fn word(self) -> &'static str {
        match self {
            Reaction::Missed => "missed",
            Reaction::Enters => "enters",
            Reaction::Wakes => "wakes",
            Reaction::CutsPower => "cuts power",
            Reaction::Outside => "outside",
        }
    }
}

use Reaction::{CutsPower, Enters, Missed, Outside, Wakes};

/// A step kind and its reaction in each phase, in the order of `Phase::ALL`.
#[derive(Debug)]
pub struct Row {
    pub kind: u32,
    pub reactions: [Reaction; 4],
}

impl Row {
    /// The step kind's entry in `step_kind::SET` (its name and docs cells).
    pub fn tag(&self) -> Option<&'static super::Tag> {
        step_kind::SET.tags.iter().find(|t| t.value == i64::from(self.kind))
    }
}

/// The table: one row per step kind of `step_kind::SET`, in its order.
pub const TABLE: &[Row] = &[
    Row { kind: step_kind::PUBLISH, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::MQTT, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::EVENT, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::RELOAD, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::WRITE, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::CONFIG, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::GPIO, reactions: [Enters, Wakes, Wakes, Missed] },
    Row { kind: step_kind::BROWNOUT, reactions: [Enters, Enters, CutsPower, Missed] },
    Row { kind: step_kind::POWER_LOSS, reactions: [Enters, Enters, CutsPower, Missed] },
    Row { kind: step_kind::GNSS, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::CLOCK_JUMP, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::WATCHDOG_RESET, reactions: [Enters, Enters, Missed, Missed] },
    Row { kind: step_kind::MQTT_DISCONNECT, reactions: [Outside, Outside, Outside, Outside] },
];

/// What a step of `kind` does in `phase`; a kind the table does not know is missed.
pub fn reaction(kind: u32, phase: Phase) -> Reaction {
    TABLE.iter().find(|row| row.kind == kind).map_or(Missed, |row| row.reactions[phase as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_listed_in_column_order() {
        assert!(Phase::ALL.iter().enumerate().all(|(i, p)| *p as usize == i));
    }

    #[test]
    fn the_table_has_one_row_per_step_kind_in_its_order() {
        let kinds: Vec<i64> = TABLE.iter().map(|row| i64::from(row.kind)).collect();
        let set: Vec<i64> = step_kind::SET.tags.iter().map(|t| t.value).collect();
        assert_eq!(kinds, set);
    }

    #[test]
    fn power_off_takes_nothing_but_what_happens_outside() {
        for row in TABLE {
            assert!(matches!(row.reactions[3], Missed | Outside), "kind {}", row.kind);
        }
    }
}
