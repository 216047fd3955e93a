//! A fleet scenario (`devices:`): several devices, each loaded as the single-device scenario its
//! entry describes (the same document types, with the fleet's `duration` and a seed of its
//! own), sharing the in-simulation broker described by `broker:`. Running one is `crate::fleet`.

use super::doc::ScenarioDoc;
use super::{Defaults, Files, Scenario, ScenarioError, ScenarioErrorKind};
use crate::time::Micros;
use crate::trace::DEVICE_COLUMN;
use std::path::Path;
use std::sync::Arc;

/// How long a message takes through the fleet's broker unless `broker: { latency: }` says.
pub const DEFAULT_LATENCY: Micros = 1_000;

/// Most devices a fleet has: each runs on a thread of its own with its Lua heap in an address
/// range of its own (`memory/arena.rs` places at most 256 of them per process).
pub const MAX_DEVICES: usize = 64;

/// The devices of a fleet and its broker.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// In the file's order, which breaks ties at one instant. Each one's `seed` is the fleet's
    /// plus its index, so that two devices running the same scripts differ.
    pub devices: Vec<Scenario>,
    /// From a publish to its delivery on a subscribed device: the lockstep window.
    pub latency: Micros,
    /// Retained messages the broker holds from the start: (topic, payload), sorted by topic.
    pub retained: Vec<(String, String)>,
}

/// Top-level fields that belong in each device of a fleet: (name, whether the document set it).
fn per_device_fields(doc: &ScenarioDoc) -> [(&'static str, bool); 13] {
    [
        ("device", doc.device.is_some()),
        ("scripts", doc.scripts.is_some()),
        ("start_tick", doc.start_tick != 0),
        ("config", doc.config.is_some()),
        ("modules", doc.modules.is_some()),
        ("gnss", doc.gnss.is_some()),
        ("ip", doc.ip.is_some()),
        ("radio", doc.radio),
        ("battery_mah", doc.battery_mah.is_some()),
        ("returns", !doc.returns.is_empty()),
        ("max_events", doc.max_events.is_some()),
        ("steps", !doc.steps.is_empty()),
        ("expect", !doc.expect.is_empty()),
    ]
}

/// Loads a fleet document: each device as a scenario, checked as one.
pub(super) fn load(
    mut doc: ScenarioDoc,
    origin: &str,
    base: &Path,
    files: &dyn Files,
    project: Option<&Defaults>,
) -> Result<Scenario, ScenarioError> {
    let invalid = |message: String| ScenarioError::whole_file(ScenarioErrorKind::Invalid, origin, message);
    if let Some((field, _)) = per_device_fields(&doc).into_iter().find(|(_, set)| *set) {
        return Err(invalid(format!("{field}: a fleet (`devices:`) has it in each device, not at the top")));
    }
    let broker = doc.broker.take().unwrap_or_default();
    let latency = broker.latency.map_or(DEFAULT_LATENCY, |d| d.0);
    if latency == 0 {
        return Err(invalid("broker: latency: at least 1us (the devices advance in windows of it)".into()));
    }
    if doc.devices.len() > MAX_DEVICES {
        return Err(invalid(format!("devices: {} devices; a fleet has at most {MAX_DEVICES}", doc.devices.len())));
    }
    let mut devices: Vec<Scenario> = Vec::with_capacity(doc.devices.len());
    for (index, device) in std::mem::take(&mut doc.devices).into_iter().enumerate() {
        let name = device.name.clone();
        let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if name.is_empty() || name.len() > DEVICE_COLUMN || !valid {
            return Err(invalid(format!(
                "devices[{index}]: name `{name}`: 1 to {DEVICE_COLUMN} letters, digits, `_` or `-`"
            )));
        }
        if devices.iter().any(|d| d.name == name) {
            return Err(invalid(format!("devices[{index}]: name `{name}` is taken by an earlier device")));
        }
        let seed = doc.seed.wrapping_add(index as u64);
        let one = device.into_scenario(&doc.duration, seed);
        let scenario = Scenario::from_doc(one, origin, base, files, project).map_err(|mut e| {
            e.message = format!("devices[{index}] ({name}): {}", e.message);
            e
        })?;
        devices.push(scenario);
    }
    // The caller loads a fleet only when `devices:` has an entry.
    let first = devices[0].clone();
    let fleet = Fleet { devices, latency, retained: broker.retained.into_iter().collect() };
    Ok(Scenario {
        name: doc.name,
        about: doc.about,
        origin: origin.to_string(),
        seed: doc.seed,
        duration: doc.duration.0,
        fleet: Some(Arc::new(fleet)),
        ..first
    })
}
