//! `luasim check`: the pre-flight check before an OTA push of device scripts. A gate is only
//! worth its worst answer: every candidate is executed, and every failure of a run is an error.
//!
//! Each step in its own file: parse every script as the device would (`parse`); lint it against
//! the device API described as data (`api`, `scan`, `lints`); find the scenarios from the
//! candidates' folder (`discover`); run those that use the candidates, on their own device or
//! each `--device`, and the built-in smoke run for candidates none uses (`runs`, `smoke`); judge
//! the device's budgets from those runs (`budgets`); check that a hot reload changes nothing
//! (`reload`); with `--against`, show where the behaviour differs from the deployed scripts
//! (`diff`). `policy` applies allow comments and `--deny`/`--warn`; `report` folds and orders
//! the findings root cause first; `format` prints them for CI (GitHub annotations, SARIF). A
//! script that does not parse stops the check after step one: nothing else would be meaningful.
//! Beside the check, `editor` writes the same API as definitions for editors and linters.

pub mod api;
mod budgets;
mod diff;
pub mod discover;
pub mod editor;
pub mod format;
pub mod lints;
mod parse;
pub mod policy;
mod reload;
pub mod report;
mod runs;
pub mod scan;
pub use luasim_core::apidoc::signature;
pub mod smoke;

pub use report::{CheckReport, Finding, Severity};

use api::DeviceApi;
use discover::Found;
use luasim_core::profile::{all_names, built_in_names, Profile};
use luasim_core::project::{Project, UserModules};
use luasim_core::runtime::{RunError, RunReport};
use luasim_core::scenario::{Files, HostFiles, Scenario, ScenarioError, ScenarioErrorKind};
use luasim_core::time::{Micros, Secs};
use luasim_core::trace::Event;
use luasim_core::vfs::{MAIN_SCRIPT, RULES_SCRIPT, SCRIPTS_DIR};
use policy::{Allowed, Severities};
use scan::{Access, Scan};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to check, and against what.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The candidate scripts; each replaces the scenario file `/scripts/<its name>`.
    pub scripts: Vec<PathBuf>,
    /// Where each candidate goes on the device (`--as /scripts/rules.lua`), in order; a
    /// candidate without one goes to `/scripts/<its name>`.
    pub places: Vec<String>,
    /// The builds the scripts are for: built-in profile names, comma-separated. Without it each
    /// scenario runs on its own device, and the smoke run on every built-in one.
    pub device: Option<String>,
    /// Scenarios to run the candidates in; without it, found from the candidates' folder.
    pub scenarios: Option<PathBuf>,
    /// The deployed scripts, to compare behaviour with.
    pub against: Option<PathBuf>,
    pub max_mah_per_day: Option<f64>,
    /// Scenario runs at once (at least 1).
    pub jobs: usize,
    /// The smoke run's window (default `smoke::DEFAULT_WINDOW`).
    pub smoke_for: Option<Micros>,
    /// No scenario for a candidate is an error rather than a warning.
    pub strict: bool,
    /// `--deny` and `--warn`.
    pub severities: Severities,
    /// The project the scripts belong to: its modules are part of the device's API, its
    /// scenarios load with its defaults, and its firmware is the build checked for when
    /// `device` names none.
    pub project: Option<Project>,
}

/// Why the check could not be made at all (as opposed to problems it found).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot read {path}")]
    Read { path: String, source: std::io::Error },
    #[error("{0} and {1} both go to {2}: the device has one file there")]
    SameName(String, String, String),
    #[error("unknown device profile `{0}` (built in: {1})")]
    UnknownDevice(String, String),
    #[error("--as {0}: {1}")]
    BadPlace(String, String),
    #[error("--deny/--warn {0}: {1}")]
    BadCode(String, String),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("scenario {0}: {1}")]
    Run(String, RunError),
    #[error("cannot parse with the device's Lua: {0}")]
    Lua(String),
}

impl From<mlua::Error> for CheckError {
    fn from(e: mlua::Error) -> CheckError {
        CheckError::Lua(e.to_string())
    }
}

/// A candidate script: as the user named it, where it goes on the device, its bytes.
struct Script {
    host: String,
    device_path: String,
    source: Vec<u8>,
    /// The host folder it is in (canonical), to find the scenarios written for it.
    folder: Option<PathBuf>,
}

/// One run to make: a scenario with the candidates in place, on a device.
struct Planned {
    scenario: Scenario,
    /// In a fleet, the devices with the candidates: only they are reloaded and compared.
    checked: Vec<String>,
    /// The same scenario with the deployed scripts in place (`--against`).
    deployed: Option<Scenario>,
    overwrites: Vec<runs::Overwrite>,
}

/// Runs the whole check.
pub fn check(options: &CheckOptions) -> Result<CheckReport, CheckError> {
    if let Some((code, why)) = options.severities.invalid() {
        return Err(CheckError::BadCode(code, why));
    }
    let scripts = read_scripts(&options.scripts, &options.places)?;
    let project = options.project.as_ref();
    let targets = match (options.device.as_deref(), project.and_then(|p| p.defaults.firmware.clone())) {
        (Some(list), _) => list.split(',').map(|d| built_in_profile(d.trim())).collect::<Result<Vec<_>, _>>()?,
        (None, Some(firmware)) => vec![firmware],
        (None, None) => Vec::new(),
    };
    let modules: Arc<UserModules> = project.map(|p| p.defaults.modules.clone()).unwrap_or_default();
    let merged = (!modules.is_empty()).then(|| DeviceApi::with_modules(&modules));
    let api = merged.as_ref().unwrap_or_else(|| DeviceApi::get());
    let candidate_dir = options.scripts.first().and_then(|p| p.parent()).unwrap_or(Path::new("."));
    let candidate_dir = if candidate_dir.as_os_str().is_empty() { Path::new(".") } else { candidate_dir };
    let found = discover::find(options.scenarios.as_deref(), candidate_dir);
    let scenarios = match found.dir() {
        Some(dir) => load_scenarios(dir, project)?,
        None => Vec::new(),
    };
    let files: Vec<(String, Vec<u8>)> = scripts.iter().map(|s| (s.device_path.clone(), s.source.clone())).collect();
    let total = scenarios.len();
    let uses: Vec<Vec<usize>> = scripts.iter().map(|s| scenarios_for(s, &scenarios)).collect();
    let relevant: Vec<Scenario> =
        scenarios.into_iter().enumerate().filter(|(i, _)| uses.iter().any(|u| u.contains(i))).map(|(_, s)| s).collect();
    let host_name = |device_path: &str| {
        scripts
            .iter()
            .find(|s| s.device_path == device_path)
            .map_or_else(|| device_path.to_string(), |s| s.host.clone())
    };
    let mut report = CheckReport {
        scripts: scripts.iter().map(|s| s.host.clone()).collect(),
        device: options.device.clone(),
        scenarios_dir: found.dir().map(|d| d.display().to_string()),
        scenarios_matching: relevant.len(),
        scenarios_skipped: total - relevant.len(),
        scenarios: Vec::new(),
        against: options.against.as_ref().map(|d| d.display().to_string()),
        divergences: Vec::new(),
        findings: Vec::new(),
        suppressed: Vec::new(),
    };
    let mut findings = syntax(&scripts)?;
    if !findings.is_empty() {
        findings.push(Finding::new(Severity::Info, "not-run", "nothing was run: the scripts must parse first"));
    } else {
        if targets.is_empty() {
            findings.extend(lint_all(&scripts, &relevant, None, api));
        }
        for target in &targets {
            let found = lint_all(&scripts, &relevant, Some(target), api);
            findings.extend(found.into_iter().map(|f| f.on(&target.name)));
        }
        let unused: Vec<&Script> = scripts.iter().zip(&uses).filter(|(_, u)| u.is_empty()).map(|(s, _)| s).collect();
        findings.extend(unused.iter().map(|s| not_in_scenarios(s, &found, options.strict)));
        let deployed_files = options.against.as_deref().map(read_deployed).transpose()?;
        let mut plan = Vec::new();
        for scenario in &relevant {
            let on = |s: Scenario| -> Vec<Scenario> {
                if targets.is_empty() {
                    vec![s]
                } else {
                    targets.iter().map(|t| on_device(s.clone(), t)).collect()
                }
            };
            let gets_them = candidates_go_on(&scripts, scenario);
            let deployed = deployed_files.as_ref().map(|d| on(runs::with_files(scenario, d, &gets_them).0));
            let (with_candidates, overwrites) = runs::with_files(scenario, &files, &gets_them);
            for (i, s) in on(with_candidates).into_iter().enumerate() {
                let deployed = deployed.as_ref().map(|d| d[i].clone());
                let checked = match &s.fleet {
                    Some(fleet) => fleet.devices.iter().filter(|d| gets_them(d)).map(|d| d.name.clone()).collect(),
                    None => Vec::new(),
                };
                plan.push(Planned { scenario: s, checked, deployed, overwrites: overwrites.clone() });
            }
        }
        if !unused.is_empty() {
            let window = options.smoke_for.unwrap_or(smoke::DEFAULT_WINDOW);
            let boots: Vec<Profile> = if targets.is_empty() {
                built_in_names().map(|n| Profile::built_in(n).expect("built in")).collect()
            } else {
                targets.clone()
            };
            if let Some(f) = never_run(&scripts, &unused) {
                findings.push(f);
            }
            for profile in &boots {
                plan.push(Planned {
                    scenario: smoke::scenario(&files, profile, &modules, window),
                    checked: Vec::new(),
                    deployed: None,
                    overwrites: Vec::new(),
                });
            }
        }
        findings.extend(run_plan(options, &plan, &host_name, &mut report)?);
    }
    let allowed: Vec<(String, Allowed)> = scripts.iter().map(|s| (s.host.clone(), Allowed::read(&s.source))).collect();
    let (kept, suppressed) = policy::apply(findings, &allowed, &options.severities);
    report.findings = report::merge(kept);
    report.suppressed = suppressed;
    Ok(report)
}

/// The scenarios (indices into `all`) a candidate is checked in: those written for it, when
/// any is (they mount the candidate's own folder, or a `write` step deploys exactly its bytes);
/// else those with a file at the candidate's device path, or a `write` step to it. A fleet
/// (`devices:`) is one when one of its devices is.
fn scenarios_for(script: &Script, all: &[Scenario]) -> Vec<usize> {
    let own_folder =
        |sc: &Scenario| sc.devices().iter().any(|d| mounts(script, d)) || runs::writes_bytes(sc, &script.source);
    let mine: Vec<usize> = (0..all.len()).filter(|&i| own_folder(&all[i])).collect();
    if !mine.is_empty() {
        return mine;
    }
    let path = [(script.device_path.clone(), Vec::new())];
    (0..all.len()).filter(|&i| runs::uses_any(&all[i], &path)).collect()
}

/// Whether `device` mounts the folder `script` is in and has its device path.
fn mounts(script: &Script, device: &Scenario) -> bool {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let mounted = device.scripts_dir.as_deref().and_then(canonical);
    mounted.is_some() && mounted == script.folder && device.files.contains(&script.device_path)
}

/// Which of `scenario`'s devices the candidates go on: in a fleet, the devices that mount a
/// candidate's folder (every device, when none does); a single device always.
fn candidates_go_on<'a>(scripts: &'a [Script], scenario: &Scenario) -> impl Fn(&Scenario) -> bool + 'a {
    let own = scenario.devices().iter().any(|d| scripts.iter().any(|s| mounts(s, d)));
    move |d: &Scenario| !own || scripts.iter().any(|s| mounts(s, d))
}

/// The warning (or with `--strict`, the error) for a candidate no scenario uses.
fn not_in_scenarios(script: &Script, found: &Found, strict: bool) -> Finding {
    let severity = if strict { Severity::Error } else { Severity::Warning };
    let whence = match found {
        Found::Given(dir) | Found::Above(dir) => format!("no scenario in {} has {}", dir.display(), script.device_path),
        Found::Nowhere { from, to } => {
            format!("no scenarios: no `scenarios/` folder in {} or above it (up to {})", from.display(), to.display())
        }
    };
    Finding::new(
        severity,
        "no-scenarios",
        format!("{whence}: only the built-in smoke run (boot, then idle with no inputs) checked it, so the gate is weaker: behaviour under inputs and reload safety with them were not checked"),
    )
    .at(&script.host, 1, None)
    .help("give --scenarios DIR, or keep scenarios in a `scenarios/` folder beside the scripts or above them; --strict makes this an error")
}

/// The error for a smoke run that would not run a candidate: the firmware runs only
/// `main.lua` and `rules.lua`.
fn never_run(scripts: &[Script], unused: &[&Script]) -> Option<Finding> {
    let boots = |p: &str| p == MAIN_SCRIPT || p == RULES_SCRIPT;
    if scripts.iter().any(|s| boots(&s.device_path)) {
        return None;
    }
    let s = unused.first()?;
    Some(
        Finding::new(
            Severity::Error,
            "not-run",
            format!(
                "the firmware never runs {} by itself (it boots {MAIN_SCRIPT}, then {RULES_SCRIPT}) and no scenario has it, so nothing checked what it does",
                s.device_path
            ),
        )
        .at(&s.host, 1, None)
        .help(format!("say where it goes with --as {RULES_SCRIPT} (or {MAIN_SCRIPT}), or check it together with the script that loads it")),
    )
}

/// `scenario` on the build `target`: its optional modules, heap, timers, queue, tick, sleep
/// region and watchdog. The scenario's own choices of model stay (`naive_reload`, the VM kept
/// in the sleep region).
fn on_device(s: Scenario, target: &Profile) -> Scenario {
    s.map_devices(|device| {
        let mut s = device.clone();
        let own = &s.profile;
        s.profile = Profile {
            naive_reload: own.naive_reload,
            vm_in_sleep_region: own.vm_in_sleep_region,
            vm_libs: own.vm_libs.clone(),
            ..target.clone()
        };
        s
    })
}

/// Step one for every script.
fn syntax(scripts: &[Script]) -> Result<Vec<Finding>, CheckError> {
    let mut findings = Vec::new();
    for s in scripts {
        if let Some(e) = parse::syntax_error(&s.source, &s.device_path)? {
            let mut f = Finding::new(Severity::Error, "syntax", e.message).at(&s.host, e.line, e.column);
            if e.line > 1 && e.column == Some(first_column(&s.source, e.line)) {
                let (line, before) = (e.line, e.line - 1);
                f = f.help(format!(
                    "the parser noticed at the start of line {line}: the mistake may be at the end of line {before}"
                ));
            }
            findings.push(f);
        }
    }
    Ok(findings)
}

/// Steps three to six: makes the planned runs, fills in their figures and the behaviour diff,
/// and returns what the runs found, each finding naming its scenario and device.
/// `report` with only the events of the fleet's devices named in `devices`, and the figures of
/// the first of them (the whole report when it names none).
fn on_devices<'a>(report: &'a RunReport, devices: &[String]) -> std::borrow::Cow<'a, RunReport> {
    let Some(first) = devices.first() else { return std::borrow::Cow::Borrowed(report) };
    let mine = |e: &&Event| e.device.as_ref().is_some_and(|d| devices.contains(d));
    let events = report.events.iter().filter(mine).cloned().collect();
    let stats = report.devices.iter().find(|d| &d.scenario == first).map_or(report.stats.clone(), |d| d.stats.clone());
    std::borrow::Cow::Owned(RunReport { events, stats, ..report.clone() })
}

fn run_plan(
    options: &CheckOptions,
    plan: &[Planned],
    host_name: &dyn Fn(&str) -> String,
    report: &mut CheckReport,
) -> Result<Vec<Finding>, CheckError> {
    let candidates: Vec<Scenario> = plan.iter().map(|p| p.scenario.clone()).collect();
    let deployed: Vec<Option<Scenario>> = plan.iter().map(|p| p.deployed.clone()).collect();
    let checked: Vec<Vec<String>> = plan.iter().map(|p| p.checked.clone()).collect();
    let all =
        runs::run_all(&candidates, &deployed, &checked, options.jobs).map_err(|(name, e)| CheckError::Run(name, e))?;
    let limits = budgets::Limits { device: None, max_mah_per_day: options.max_mah_per_day };
    let mut findings = Vec::new();
    for (planned, runs) in plan.iter().zip(&all) {
        let scenario = &planned.scenario;
        let device = scenario.profile.name.clone();
        let candidate = on_devices(&runs.candidate, &planned.checked);
        let (figures, mut found) = budgets::judge(scenario, &candidate, &limits, host_name);
        report.scenarios.push(figures);
        let (baseline, reloaded) =
            (on_devices(runs.baseline(), &planned.checked), on_devices(&runs.reloaded, &planned.checked));
        found.extend(reload::compare(&scenario.name, &baseline, &reloaded, host_name));
        found.extend(planned.overwrites.iter().map(|o| overwritten(&scenario.name, o, host_name)));
        findings.extend(found.into_iter().map(|f| f.on(&device)));
        if let Some(deployed) = &runs.deployed {
            report.divergences.push(diff::diverge(&scenario.name, &deployed.events, &runs.candidate.events));
        }
    }
    Ok(findings)
}

/// A scenario step that wrote over a candidate: the check kept the candidate in place.
fn overwritten(scenario: &str, o: &runs::Overwrite, host_name: &dyn Fn(&str) -> String) -> Finding {
    Finding::new(
        Severity::Warning,
        "candidate-overwritten",
        format!(
            "the scenario's `write` step at {} s replaces {}, the candidate: the check kept the candidate there (the step wrote the candidate's bytes), so what follows is still the candidate's behaviour",
            Secs(o.at_us),
            o.path
        ),
    )
    .at(&host_name(&o.path), 1, None)
    .help("the scenario's own expectations were not judged here (they describe the file the step writes); budgets and errors were. To check that file, give it as a candidate (with --as where it goes)")
    .seen_in(scenario, Some(o.at_us))
}

/// The column of the first non-blank character of 1-based `line`.
fn first_column(source: &[u8], line: usize) -> usize {
    let text = source.split(|b| *b == b'\n').nth(line - 1).unwrap_or_default();
    text.iter().take_while(|b| b.is_ascii_whitespace()).count() + 1
}

fn built_in_profile(name: &str) -> Result<Profile, CheckError> {
    Profile::built_in(name)
        .ok_or_else(|| CheckError::UnknownDevice(name.to_string(), all_names().collect::<Vec<_>>().join(", ")))
}

fn read_scripts(paths: &[PathBuf], places: &[String]) -> Result<Vec<Script>, CheckError> {
    if places.len() > paths.len() {
        let extra = places[paths.len()].clone();
        return Err(CheckError::BadPlace(extra, "more --as than candidate scripts".into()));
    }
    let mut scripts: Vec<Script> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let host = path.display().to_string();
        let source = luasim_core::scenario::hostfs::read_file(path)
            .map_err(|source| CheckError::Read { path: host.clone(), source })?;
        let device_path = match places.get(i) {
            Some(place) => device_place(place)?,
            None => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                format!("{SCRIPTS_DIR}/{name}")
            }
        };
        if let Some(other) = scripts.iter().find(|s| s.device_path == device_path) {
            return Err(CheckError::SameName(other.host.clone(), host, device_path));
        }
        let folder = std::fs::canonicalize(path).ok().and_then(|p| p.parent().map(Path::to_path_buf));
        scripts.push(Script { host, device_path, source, folder });
    }
    Ok(scripts)
}

/// A `--as` path: a `.lua` file under `/scripts`, normalized.
fn device_place(place: &str) -> Result<String, CheckError> {
    let path = luasim_core::vfs::normalize(place);
    let bad = |why: &str| Err(CheckError::BadPlace(place.to_string(), why.to_string()));
    if !path.starts_with(&format!("{SCRIPTS_DIR}/")) {
        return bad("scripts live under /scripts (such as /scripts/rules.lua)");
    }
    if !path.ends_with(".lua") {
        return bad("a script's name ends in .lua");
    }
    Ok(path)
}

fn load_scenarios(dir: &Path, project: Option<&Project>) -> Result<Vec<Scenario>, CheckError> {
    let paths = luasim_core::scenario::find_scenarios(dir)
        .map_err(|source| CheckError::Read { path: dir.display().to_string(), source })?;
    // A scenario this build cannot run (sleepy tasks without Lua 5.4) is no scenario for it.
    paths
        .iter()
        .map(|p| Scenario::load_in(p, &HostFiles, project.map(|p| &p.defaults)))
        .filter(|r| !matches!(r, Err(e) if e.kind == ScenarioErrorKind::Unsupported))
        .map(|r| r.map_err(CheckError::from))
        .collect()
}

/// The deployed scripts, by device path.
fn read_deployed(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, CheckError> {
    let found =
        HostFiles.read_folder(dir).map_err(|source| CheckError::Read { path: dir.display().to_string(), source })?;
    Ok(found.into_iter().map(|(rel, bytes)| (format!("{SCRIPTS_DIR}/{rel}"), bytes)).collect())
}

/// Lints every candidate. Globals any script assigns (a candidate, or another file of a scenario
/// that uses the candidates) count as known.
fn lint_all(scripts: &[Script], scenarios: &[Scenario], target: Option<&Profile>, api: &DeviceApi) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut scans: Vec<(&Script, Scan)> = Vec::new();
    for s in scripts {
        match scan::scan(&String::from_utf8_lossy(&s.source)) {
            Ok(scan) => scans.push((s, scan)),
            Err(why) => findings.push(
                Finding::new(
                    Severity::Info,
                    "lint-skipped",
                    format!("not linted: the lint's Lua 5.4 parser cannot read it ({why})"),
                )
                .at(&s.host, 1, None),
            ),
        }
    }
    let mut assigned = BTreeSet::new();
    let mut fields_named = BTreeSet::new();
    for (_, scan) in &scans {
        note_assigned(scan, &mut assigned);
        fields_named.extend(scan.fields_named.iter().cloned());
    }
    let others: BTreeSet<(&str, &[u8])> = scenarios
        .iter()
        .flat_map(|sc| sc.files.files())
        .filter(|(path, _)| path.ends_with(".lua") && !scripts.iter().any(|s| s.device_path == *path))
        .collect();
    let mut reads_of_others = BTreeSet::new();
    for (_, source) in others {
        if let Ok(scan) = scan::scan(&String::from_utf8_lossy(source)) {
            note_assigned(&scan, &mut assigned);
            note_read(&scan, &mut reads_of_others);
            fields_named.extend(scan.fields_named);
        }
    }
    let config_keys = (!scenarios.is_empty()).then(|| config_keys(scenarios));
    for (script, scan) in &scans {
        let mut read_elsewhere = reads_of_others.clone();
        for (_, other) in scans.iter().filter(|(s, _)| s.device_path != script.device_path) {
            note_read(other, &mut read_elsewhere);
        }
        let cx = lints::LintContext {
            file: &script.host,
            scan,
            api,
            target,
            assigned: &assigned,
            read_elsewhere: &read_elsewhere,
            config_keys: config_keys.as_ref(),
            fields_named: &fields_named,
        };
        findings.extend(lints::lint(&cx));
    }
    findings
}

/// Every dotted key the scenarios configure: each level of their `config:` trees, and each
/// `config` step's path with the keys of its value (of every device of a fleet).
fn config_keys(scenarios: &[Scenario]) -> BTreeSet<String> {
    fn walk(value: &serde_json::Value, at: &str, keys: &mut BTreeSet<String>) {
        let Some(map) = value.as_object() else { return };
        for (key, child) in map {
            let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
            walk(child, &path, keys);
            keys.insert(path);
        }
    }
    let mut keys = BTreeSet::new();
    for scenario in scenarios.iter().flat_map(Scenario::devices) {
        walk(&scenario.config, "", &mut keys);
        for step in &scenario.steps {
            if let luasim_core::scenario::Action::Config { path, value } = &step.action {
                let parts: Vec<&str> = path.split('.').collect();
                for end in 1..=parts.len() {
                    keys.insert(parts[..end].join("."));
                }
                walk(value, path, &mut keys);
            }
        }
    }
    keys
}

/// Records the globals a script reads (`x` of `x`, `x.y` or `x(...)`).
fn note_read(scan: &Scan, read: &mut BTreeSet<String>) {
    for u in scan.uses.iter().filter(|u| !matches!(u.access, Access::Write) || u.path.len() > 1) {
        read.insert(u.path[0].clone());
    }
}

/// Records what a script assigns: `x`, `sys.helper`, and `x` for `_G.x`.
fn note_assigned(scan: &Scan, assigned: &mut BTreeSet<String>) {
    for u in scan.uses.iter().filter(|u| matches!(u.access, Access::Write)) {
        assigned.insert(u.path.join("."));
        if u.path.len() > 1 && u.path[0] == "_G" {
            assigned.insert(u.path[1..].join("."));
        }
    }
}
