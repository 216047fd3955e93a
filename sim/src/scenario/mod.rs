//! Scenarios: a described device, its scripts, timed steps and expectations, loaded from YAML.
//!
//! Loading resolves everything a run needs (profile, script files) up front, so the simulation
//! itself never touches the host file system. Every error names the file, and where the YAML
//! parser can tell, the line and column.

mod doc;
mod files;

pub use files::{Embedded, Files, HostFiles};

use crate::expect::{Expectation, Target};
use crate::profile::Profile;
use crate::time::Micros;
use crate::vfs::Vfs;
use crate::world::{Action, Setup, Step};
use doc::{ScenarioDoc, ScriptsDoc};
use std::fmt;
use std::path::{Path, PathBuf};

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub about: Option<String>,
    /// Where it came from, for messages.
    pub origin: String,
    pub profile: Profile,
    pub files: Vfs,
    pub seed: u64,
    pub duration: Micros,
    pub start_tick: u32,
    pub steps: Vec<Step>,
    pub expect: Vec<Expectation>,
    pub config: serde_json::Value,
    pub gnss: Option<serde_json::Value>,
    pub ip: String,
    /// Wi-Fi on while awake (for the energy figures).
    pub radio: bool,
    /// Battery capacity for the battery-life estimate.
    pub battery_mah: Option<f64>,
}

impl Scenario {
    /// What the world starts from.
    pub fn setup(&self) -> Setup {
        Setup {
            profile: self.profile.clone(),
            flash: self.files.clone(),
            initial_tick: self.start_tick,
            duration: self.duration,
            steps: self.steps.clone(),
            config: self.config.clone(),
            gnss_fix: self.gnss.clone(),
            ip: self.ip.clone(),
            radio: self.radio,
        }
    }
}

/// The address `Node.ip()` returns unless a scenario says otherwise.
pub const DEFAULT_IP: &str = "192.168.4.2";

/// A scenario that could not be loaded: file, position when known, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    fn whole_file(file: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError { file: file.to_string(), line: None, column: None, message: message.into() }
    }

    fn from_yaml(file: &str, err: serde_yaml::Error) -> ScenarioError {
        let text = err.to_string();
        // serde_yaml appends " at line L column C"; the position is reported separately.
        let message = match (err.location(), text.rfind(" at line ")) {
            (Some(_), Some(cut)) => text[..cut].to_string(),
            _ => text,
        };
        let loc = err.location();
        ScenarioError {
            file: file.to_string(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message,
        }
    }
}

impl Scenario {
    /// Loads `path` and the script folder it names through `files`.
    pub fn load(path: &Path, files: &dyn Files) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let text = files.read(path).map_err(|e| ScenarioError::whole_file(&origin, format!("cannot read: {e}")))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Scenario::parse(&text, &origin, &base, files)
    }

    /// Parses scenario text; a script folder is looked up relative to `base`.
    pub fn parse(text: &str, origin: &str, base: &Path, files: &dyn Files) -> Result<Scenario, ScenarioError> {
        if let Some((line, column)) = first_tab(text) {
            return Err(ScenarioError {
                file: origin.to_string(),
                line: Some(line),
                column: Some(column),
                message: "tab character in indentation; YAML indents with spaces".into(),
            });
        }
        let doc: ScenarioDoc = serde_yaml::from_str(text).map_err(|e| ScenarioError::from_yaml(origin, e))?;
        let flash = match doc.scripts {
            ScriptsDoc::Folder(dir) => {
                let dir: PathBuf = base.join(dir);
                Vfs::mount_folder(&dir, files)
                    .map_err(|e| ScenarioError::whole_file(origin, format!("scripts: {e}")))?
            }
            ScriptsDoc::Inline(map) => Vfs::from_inline(map),
        };
        if !flash.contains(crate::vfs::MAIN_SCRIPT) {
            return Err(ScenarioError::whole_file(
                origin,
                format!("scripts: no `main.lua` (the device boots {})", crate::vfs::MAIN_SCRIPT),
            ));
        }
        let mut expect: Vec<Expectation> = doc.expect.into_iter().flat_map(|e| e.0).collect();
        if !expect.iter().any(|e| matches!(e.target, Target::Errors(_))) {
            expect.push(Expectation::implicit_no_errors());
        }
        let mut steps: Vec<Step> = Vec::new();
        for doc_step in doc.steps {
            let mut parts = doc_step.steps;
            if let Some(file) = doc_step.read_file {
                let bytes = files
                    .read(&base.join(&file))
                    .map_err(|e| ScenarioError::whole_file(origin, format!("write step: cannot read {file}: {e}")))?;
                for part in &mut parts {
                    if let Action::Write { bytes: b, .. } = &mut part.action {
                        *b = bytes.clone().into_bytes();
                    }
                }
            }
            steps.extend(parts);
        }
        steps.sort_by_key(|s| s.at);
        let mut profile = doc.device.0;
        if let Some(modules) = doc.modules {
            profile.modules = modules;
        }
        Ok(Scenario {
            name: doc.name,
            about: doc.about,
            origin: origin.to_string(),
            profile,
            files: flash,
            seed: doc.seed,
            duration: doc.duration.0,
            start_tick: doc.start_tick,
            steps,
            expect,
            config: doc.config.unwrap_or_else(|| serde_json::Value::Object(Default::default())),
            gnss: doc.gnss,
            ip: doc.ip.unwrap_or_else(|| DEFAULT_IP.to_string()),
            radio: doc.radio,
            battery_mah: doc.battery_mah,
        })
    }
}

/// Position of the first tab in leading whitespace, 1-based.
fn first_tab(text: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent = &line[..line.len() - line.trim_start().len()];
        indent.find('\t').map(|col| (i + 1, col + 1))
    })
}
