//! The scenario runs a check needs, run in parallel.
//!
//! For each scenario that uses one of the candidate scripts: the scenario as written with the
//! candidates in place (budgets, errors, its own expectations); the same with two hot reloads
//! right after the first boot, on the real firmware's reload (`naive_reload: false`), to compare
//! side effects; and with `--against`, the deployed scripts in place, to diff behaviour. A
//! scenario written for the seed's naive reload gets one more run without it, so the reload
//! comparison is made on the real firmware only.
//!
//! The runs go through the worker pool (`luasim_core::pool`): each stays on one thread from start
//! to end (a Lua state never moves); results come back in plan order, so the report does not
//! depend on scheduling.

use luasim_core::pool;
use luasim_core::runtime::{self, RunError, RunOptions, RunReport};
use luasim_core::scenario::Scenario;
use luasim_core::scenario::{Action, Step};
use luasim_core::time::{Micros, MICROS_PER_MS};

/// The runs of one scenario.
pub struct Runs {
    /// The scenario as written, candidates in place.
    pub candidate: RunReport,
    /// The same without `naive_reload`, when the scenario asks for it.
    pub real_reload: Option<RunReport>,
    /// `real_reload`'s scenario with two reloads right after the first boot.
    pub reloaded: RunReport,
    /// The scenario with the deployed scripts in place (`--against`).
    pub deployed: Option<RunReport>,
}

impl Runs {
    /// The run the reload comparison starts from: the candidate on the real firmware's reload.
    pub fn baseline(&self) -> &RunReport {
        self.real_reload.as_ref().unwrap_or(&self.candidate)
    }
}

/// A scenario step that wrote over a candidate: when, and which device path.
#[derive(Debug, Clone)]
pub struct Overwrite {
    pub at_us: Micros,
    pub path: String,
}

/// `scenario` with the scripts in `files` (device path, source) replacing those it has. The
/// candidate stays the candidate: a `write` step to a candidate's path writes the candidate's
/// bytes instead of its own, and is returned so the check can say so; the scenario's own
/// expectations are then dropped (they describe the file the step wrote), the budgets and
/// "no errors" stay. A candidate that the scenario itself writes (a step deploying exactly
/// these bytes) arrives when the step says, as written.
/// In a fleet, each device for which `gets_them` holds is treated so.
pub fn with_files(
    scenario: &Scenario,
    files: &[(String, Vec<u8>)],
    gets_them: impl Fn(&Scenario) -> bool,
) -> (Scenario, Vec<Overwrite>) {
    let mut overwrites = Vec::new();
    let s = scenario.map_devices(|device| {
        if !gets_them(device) {
            return device.clone();
        }
        let (s, mut written) = device_with_files(device, files);
        overwrites.append(&mut written);
        s
    });
    overwrites.sort_by_key(|o| o.at_us);
    (s, overwrites)
}

/// `with_files` on one device.
fn device_with_files(scenario: &Scenario, files: &[(String, Vec<u8>)]) -> (Scenario, Vec<Overwrite>) {
    let mut s = scenario.clone();
    let mut overwrites = Vec::new();
    for (path, source) in files.iter().filter(|(_, source)| !writes_bytes(scenario, source)) {
        if s.files.contains(path) {
            s.files.write(path, source.clone());
        }
        for step in &mut s.steps {
            if let Action::Write { path: written, bytes } = &mut step.action {
                if written == path {
                    overwrites.push(Overwrite { at_us: step.at, path: path.clone() });
                    *bytes = source.clone();
                }
            }
        }
    }
    if !overwrites.is_empty() {
        s.expect.retain(|e| e.implicit);
    }
    (s, overwrites)
}

/// Whether a `write` step of `scenario` (of one of a fleet's devices) writes exactly `source`.
pub fn writes_bytes(scenario: &Scenario, source: &[u8]) -> bool {
    let steps = scenario.devices().iter().flat_map(|d| &d.steps);
    steps.into_iter().any(|s| matches!(&s.action, Action::Write { bytes, .. } if bytes == source))
}

/// Whether `scenario` (one of a fleet's devices) has any of the device paths in `files`, or
/// writes one.
pub fn uses_any(scenario: &Scenario, files: &[(String, Vec<u8>)]) -> bool {
    scenario.devices().iter().any(|device| {
        files.iter().any(|(path, _)| {
            device.files.contains(path)
                || device.steps.iter().any(|s| matches!(&s.action, Action::Write { path: p, .. } if p == path))
        })
    })
}

/// The real firmware's reload, expectations dropped (only the trace is compared); on every
/// device of a fleet.
fn real_reload(scenario: &Scenario) -> Scenario {
    scenario.map_devices(|device| {
        let mut s = device.clone();
        s.profile.naive_reload = false;
        s.expect.clear();
        s
    })
}

/// Two reload steps at the moment the first boot runs the scripts, before any other step due
/// then: load, reload, reload (on the devices of a fleet named in `checked`, every one when it
/// names none).
fn with_reloads(scenario: &Scenario, checked: &[String]) -> Scenario {
    real_reload(scenario).map_devices(|device| {
        if !checked.is_empty() && !checked.contains(&device.name) {
            return device.clone();
        }
        let mut s = device.clone();
        let at = s.profile.boot_ms.saturating_mul(MICROS_PER_MS);
        let mut steps = vec![Step { at, action: Action::Reload }, Step { at, action: Action::Reload }];
        steps.append(&mut s.steps);
        steps.sort_by_key(|step| step.at);
        s.steps = steps;
        s
    })
}

enum Slot {
    Candidate,
    RealReload,
    Reloaded,
    Deployed,
}

/// Runs everything for `candidates` (and the matching `deployed` scenarios, where there is one)
/// on up to `jobs` threads; in a fleet only the devices `checked` names are reloaded. `Err`
/// names the scenario the simulator could not run at all.
pub fn run_all(
    candidates: &[Scenario],
    deployed: &[Option<Scenario>],
    checked: &[Vec<String>],
    jobs: usize,
) -> Result<Vec<Runs>, (String, RunError)> {
    let mut plan: Vec<(usize, Slot, Scenario)> = Vec::new();
    for (i, scenario) in candidates.iter().enumerate() {
        plan.push((i, Slot::Candidate, scenario.clone()));
        if scenario.profile.naive_reload {
            plan.push((i, Slot::RealReload, real_reload(scenario)));
        }
        let checked = checked.get(i).map_or(&[][..], Vec::as_slice);
        plan.push((i, Slot::Reloaded, with_reloads(scenario, checked)));
        if let Some(d) = deployed.get(i).and_then(Option::as_ref) {
            plan.push((i, Slot::Deployed, d.clone()));
        }
    }
    // The candidate's runs note the script line of each output, for the reload finding.
    let work = |(_, slot, scenario): &(usize, Slot, Scenario)| {
        let options = RunOptions { keep_events: true, ..RunOptions::default() };
        match slot {
            Slot::Deployed => runtime::run(scenario, &options),
            _ => runtime::run_noting_lines(scenario, &options),
        }
        .map_err(|e| (scenario.name.clone(), e))
    };
    // A run that panicked is a simulator bug: the check stops with it, as on one thread.
    let results =
        pool::run(&plan, jobs, work, |_, _| {}).into_iter().map(|r| r.unwrap_or_else(|p| std::panic::resume_unwind(p)));
    let mut runs: Vec<[Option<RunReport>; 4]> = (0..candidates.len()).map(|_| Default::default()).collect();
    for ((i, slot, _), result) in plan.iter().zip(results) {
        let index = match slot {
            Slot::Candidate => 0,
            Slot::RealReload => 1,
            Slot::Reloaded => 2,
            Slot::Deployed => 3,
        };
        runs[*i][index] = Some(result?);
    }
    Ok(runs
        .into_iter()
        .map(|[candidate, real_reload, reloaded, deployed]| Runs {
            candidate: candidate.expect("every scenario has a candidate run"),
            real_reload,
            reloaded: reloaded.expect("every scenario has a reloaded run"),
            deployed,
        })
        .collect())
}
