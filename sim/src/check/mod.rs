//! `luasim check`: the pre-flight check before an OTA push of device scripts.
//!
//! Six steps, each in its own file: parse every script as the device would (`parse`); lint it
//! against the device API described as data (`api`, `scan`, `lints`); run the scenarios that use
//! the scripts with the candidates in place (`runs`); judge the device's budgets from those runs
//! (`budgets`); check that a hot reload changes nothing (`reload`); and with `--against`, show
//! where the behaviour differs from the deployed scripts (`diff`). `report` gathers the findings.
//! A script that does not parse stops the check after step one: nothing else would be meaningful.

pub mod api;
mod budgets;
mod diff;
pub mod lints;
mod parse;
mod reload;
pub mod report;
mod runs;
pub mod scan;
pub mod signature;

pub use report::{CheckReport, Finding, Severity};

use crate::profile::{built_in_names, Profile};
use crate::runtime::RunError;
use crate::scenario::{Files, HostFiles, Scenario, ScenarioError};
use crate::vfs::SCRIPTS_DIR;
use api::DeviceApi;
use scan::{Access, Scan};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What to check, and against what.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The candidate scripts; each replaces the scenario file `/scripts/<its name>`.
    pub scripts: Vec<PathBuf>,
    /// The build the scripts are for (a built-in profile name).
    pub device: Option<String>,
    /// Scenarios to run the candidates in.
    pub scenarios: Option<PathBuf>,
    /// The deployed scripts, to compare behaviour with.
    pub against: Option<PathBuf>,
    pub max_mah_per_day: Option<f64>,
    /// Scenario runs at once (at least 1).
    pub jobs: usize,
}

/// Why the check could not be made at all (as opposed to problems it found).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("cannot read {path}")]
    Read { path: String, source: std::io::Error },
    #[error("{0} and {1} are both named {2}: the device has one {SCRIPTS_DIR}/{2}")]
    SameName(String, String, String),
    #[error("unknown device profile `{0}` (built in: {1})")]
    UnknownDevice(String, String),
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
}

/// Runs the whole check.
pub fn check(options: &CheckOptions) -> Result<CheckReport, CheckError> {
    let scripts = read_scripts(&options.scripts)?;
    let target = options.device.as_deref().map(built_in_profile).transpose()?;
    let scenarios = match &options.scenarios {
        Some(dir) => load_scenarios(dir)?,
        None => Vec::new(),
    };
    let files: Vec<(String, Vec<u8>)> = scripts.iter().map(|s| (s.device_path.clone(), s.source.clone())).collect();
    let total = scenarios.len();
    let relevant: Vec<Scenario> = scenarios.into_iter().filter(|s| runs::uses_any(s, &files)).collect();
    let host_name = |device_path: &str| {
        scripts
            .iter()
            .find(|s| s.device_path == device_path)
            .map_or_else(|| device_path.to_string(), |s| s.host.clone())
    };
    let mut report = CheckReport {
        scripts: scripts.iter().map(|s| s.host.clone()).collect(),
        device: options.device.clone(),
        scenarios_dir: options.scenarios.as_ref().map(|d| d.display().to_string()),
        scenarios_matching: relevant.len(),
        scenarios_skipped: total - relevant.len(),
        scenarios: Vec::new(),
        against: options.against.as_ref().map(|d| d.display().to_string()),
        divergences: Vec::new(),
        findings: Vec::new(),
    };
    let mut findings = syntax(&scripts)?;
    if !findings.is_empty() {
        if !relevant.is_empty() {
            findings.push(Finding::new(Severity::Info, "not-run", "scenarios not run: the scripts must parse first"));
        }
    } else {
        findings.extend(lint_all(&scripts, &relevant, target.as_ref()));
        if relevant.is_empty() {
            let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
            let message = match &options.scenarios {
                Some(dir) => format!(
                    "no scenario in {} has {}: budgets, reload safety and behaviour were not checked",
                    dir.display(),
                    names.join(" or ")
                ),
                None => "no scenarios given: budgets, reload safety and behaviour were not checked".into(),
            };
            findings.push(Finding::new(Severity::Info, "no-scenarios", message));
        } else {
            findings.extend(run_scenarios(options, target.as_ref(), &relevant, &files, &host_name, &mut report)?);
        }
    }
    report.findings = report::merge(findings);
    Ok(report)
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

/// Steps three to six: runs the scenarios that use the scripts, fills in their figures and the
/// behaviour diff, and returns what the runs found.
fn run_scenarios(
    options: &CheckOptions,
    target: Option<&Profile>,
    relevant: &[Scenario],
    files: &[(String, Vec<u8>)],
    host_name: &dyn Fn(&str) -> String,
    report: &mut CheckReport,
) -> Result<Vec<Finding>, CheckError> {
    // The target's heap: whether the scripts' live data fits it is what decides.
    let on_target = |mut s: Scenario| {
        if let Some(t) = target {
            s.profile.lua_heap_bytes = t.lua_heap_bytes;
        }
        s
    };
    let candidates: Vec<Scenario> = relevant.iter().map(|s| on_target(runs::with_files(s, files))).collect();
    let deployed = match &options.against {
        Some(dir) => {
            let deployed_files = read_deployed(dir)?;
            Some(relevant.iter().map(|s| on_target(runs::with_files(s, &deployed_files))).collect::<Vec<_>>())
        }
        None => None,
    };
    let all =
        runs::run_all(&candidates, deployed.as_deref(), options.jobs).map_err(|(name, e)| CheckError::Run(name, e))?;
    let limits = budgets::Limits { device: options.device.as_deref(), max_mah_per_day: options.max_mah_per_day };
    let mut findings = Vec::new();
    for (scenario, runs) in candidates.iter().zip(&all) {
        let (figures, found) = budgets::judge(scenario, &runs.candidate, &limits, host_name);
        report.scenarios.push(figures);
        findings.extend(found);
        findings.extend(reload::compare(&scenario.name, runs.baseline(), &runs.reloaded, host_name));
        if let Some(deployed) = &runs.deployed {
            report.divergences.push(diff::diverge(&scenario.name, &deployed.events, &runs.candidate.events));
        }
    }
    Ok(findings)
}

/// The column of the first non-blank character of 1-based `line`.
fn first_column(source: &[u8], line: usize) -> usize {
    let text = source.split(|b| *b == b'\n').nth(line - 1).unwrap_or_default();
    text.iter().take_while(|b| b.is_ascii_whitespace()).count() + 1
}

fn built_in_profile(name: &str) -> Result<Profile, CheckError> {
    Profile::built_in(name)
        .ok_or_else(|| CheckError::UnknownDevice(name.to_string(), built_in_names().collect::<Vec<_>>().join(", ")))
}

fn read_scripts(paths: &[PathBuf]) -> Result<Vec<Script>, CheckError> {
    let mut scripts: Vec<Script> = Vec::new();
    for path in paths {
        let host = path.display().to_string();
        let source = crate::scenario::hostfs::read_file(path)
            .map_err(|source| CheckError::Read { path: host.clone(), source })?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let device_path = format!("{SCRIPTS_DIR}/{name}");
        if let Some(other) = scripts.iter().find(|s| s.device_path == device_path) {
            return Err(CheckError::SameName(other.host.clone(), host, name));
        }
        scripts.push(Script { host, device_path, source });
    }
    Ok(scripts)
}

fn load_scenarios(dir: &Path) -> Result<Vec<Scenario>, CheckError> {
    let paths = crate::suite::find_scenarios(dir)
        .map_err(|source| CheckError::Read { path: dir.display().to_string(), source })?;
    paths.iter().map(|p| Scenario::load(p, &HostFiles).map_err(CheckError::from)).collect()
}

/// The deployed scripts, by device path.
fn read_deployed(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, CheckError> {
    let found =
        HostFiles.read_folder(dir).map_err(|source| CheckError::Read { path: dir.display().to_string(), source })?;
    Ok(found.into_iter().map(|(rel, bytes)| (format!("{SCRIPTS_DIR}/{rel}"), bytes)).collect())
}

/// Lints every candidate. Globals any script assigns (a candidate, or another file of a scenario
/// that uses the candidates) count as known.
fn lint_all(scripts: &[Script], scenarios: &[Scenario], target: Option<&Profile>) -> Vec<Finding> {
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
    for (_, scan) in &scans {
        note_assigned(scan, &mut assigned);
    }
    let others: BTreeSet<(&str, &[u8])> = scenarios
        .iter()
        .flat_map(|sc| sc.files.files())
        .filter(|(path, _)| path.ends_with(".lua") && !scripts.iter().any(|s| s.device_path == *path))
        .collect();
    for (_, source) in others {
        if let Ok(scan) = scan::scan(&String::from_utf8_lossy(source)) {
            note_assigned(&scan, &mut assigned);
        }
    }
    for (script, scan) in &scans {
        let cx = lints::LintContext { file: &script.host, scan, api: DeviceApi::get(), target, assigned: &assigned };
        findings.extend(lints::lint(&cx));
    }
    findings
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
