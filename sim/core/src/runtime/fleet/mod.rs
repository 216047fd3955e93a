//! Runs a fleet (`Scenario::fleet`, `docs/fleets.md`): every device is its own `World` and Lua
//! states on a thread of its own, the devices meet only through the in-simulation broker
//! (`broker.rs`), and advance on one virtual clock in lockstep windows of the broker's latency
//! (`link.rs`). The report is one trace, each line with its device's name in a column, in
//! (time, device order); each device's expectations judged on its own part; a summary per
//! device and the fleet's verdict (every device's expectations held).

mod broker;
mod link;

use super::{run_outside, RunError, RunOptions, RunReport};
use crate::figures::Stats;
use crate::scenario::{Fleet, Scenario};
use crate::trace::Event;
use broker::Broker;
use link::{conduct, Link};
use std::sync::mpsc;

/// Runs `scenario`, whose devices are `fleet`, to its end (its `seed` and `duration` are the
/// fleet's, so overriding them on the scenario overrides them for every device).
pub fn run(scenario: &Scenario, fleet: &Fleet, options: &RunOptions) -> Result<RunReport, RunError> {
    let keep_events = options.keep_events || options.tail > 0;
    let device_options = RunOptions { keep_events, coverage: false, tail: 0 };
    let mut broker = Broker::new(fleet.devices.len(), fleet.latency, &fleet.retained);
    let (notes, from_links) = mpsc::channel();
    let results: Vec<Result<RunReport, RunError>> = std::thread::scope(|s| {
        let mut grants = Vec::new();
        let mut threads = Vec::new();
        for (index, device) in fleet.devices.iter().enumerate() {
            let (grant, from_conductor) = mpsc::channel();
            grants.push(grant);
            let link = Link::new(index, notes.clone(), from_conductor);
            let mut device = device.clone();
            device.seed = scenario.seed.wrapping_add(index as u64);
            device.duration = scenario.duration;
            let options = &device_options;
            threads.push(s.spawn(move || run_outside(&device, options, Box::new(link))));
        }
        drop(notes);
        conduct(from_links, &grants, &mut broker, fleet.latency);
        threads.into_iter().map(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut devices = Vec::with_capacity(results.len());
    for result in results {
        devices.push(result?);
    }
    let names: Vec<&str> = fleet.devices.iter().map(|d| d.name.as_str()).collect();
    let mut events = merge(&mut devices, &names);
    let tail = events.iter().skip(events.len().saturating_sub(options.tail)).map(|e| e.to_string()).collect();
    if !options.keep_events {
        events.clear();
    }
    let outcomes = devices
        .iter()
        .zip(&names)
        .flat_map(|(d, name)| d.outcomes.iter().map(move |o| (name, o.clone())))
        .map(|(name, o)| crate::expect::Outcome { expectation: format!("{name}: {}", o.expectation), ..o })
        .collect();
    let stats = Stats {
        simulated_us: devices.iter().map(|d| d.stats.simulated_us).max().unwrap_or(0),
        end_reason: devices.first().map(|d| d.stats.end_reason.clone()).unwrap_or_default(),
        boots: devices.iter().map(|d| d.stats.boots).sum(),
        reloads: devices.iter().map(|d| d.stats.reloads).sum(),
        events: devices.iter().map(|d| d.stats.events).sum(),
        errors: devices.iter().map(|d| d.stats.errors).sum(),
        ..Stats::default()
    };
    Ok(RunReport {
        scenario: scenario.name.clone(),
        stats,
        outcomes,
        events,
        out_of_memory_at: Vec::new(),
        call_lines: Vec::new(),
        coverage: None,
        tail,
        devices,
    })
}

/// The devices' traces as one, each event with its device's name: by virtual time, ties in
/// device order, each device's own order kept. Takes the events out of the reports.
fn merge(devices: &mut [RunReport], names: &[&str]) -> Vec<Event> {
    let mut traces: Vec<std::iter::Peekable<std::vec::IntoIter<Event>>> =
        devices.iter_mut().map(|d| std::mem::take(&mut d.events).into_iter().peekable()).collect();
    let mut out = Vec::with_capacity(traces.iter().map(|t| t.len()).sum());
    loop {
        let next = (0..traces.len()).filter_map(|d| traces[d].peek().map(|e| (e.at_us, d))).min();
        let Some((_, d)) = next else { return out };
        let mut event = traces[d].next().expect("peeked");
        event.device = Some(names[d].to_string());
        out.push(event);
    }
}
