//! The project file, `luasim.yaml` at the root of a user's repository: the firmware build its
//! scenarios run on, where its scripts and scenarios live, the policy of `luasim check`, and the
//! firmware modules of the build that luasim does not have built in (`modules`).
//!
//! Commands find it from the current folder upward (`find_upward`); loading reads the project
//! file and every surface and mock it names, so a run never touches the host afterwards. Paths
//! in it are relative to it. Errors are `ProjectError`s naming the file, line and column.

mod doc;

pub use crate::apidoc::{MockSource, UserFunction, UserModule, UserModules, MAX_USER_FUNCTIONS};

use crate::apidoc::Entry;
use crate::position::Position;
use crate::scenario::{Defaults, Files, ScenarioError, ScenarioErrorKind};
use crate::time::Micros;
use doc::ProjectDoc;
use schemars::generate::SchemaSettings;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Globals a user module may not take besides the bindings': Lua's and `sys.lua`'s, and the
/// mocks' `firmware`.
const TAKEN: &[&str] = &[
    "_G",
    "_VERSION",
    "sys",
    "string",
    "table",
    "math",
    "os",
    "io",
    "coroutine",
    "debug",
    "utf8",
    "package",
    "print",
    "require",
    "load",
    "pairs",
    "ipairs",
    "json",
    "log",
    "firmware",
];

/// The project file's name.
pub const PROJECT_FILE: &str = "luasim.yaml";

/// A loaded project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project file.
    pub file: PathBuf,
    /// Its folder: every path in the file is relative to it.
    pub root: PathBuf,
    /// What its scenarios get: the firmware build, the scripts' folder, the modules.
    pub defaults: Defaults,
    /// The scenarios `luasim test` runs without a path.
    pub scenarios: PathBuf,
    pub check: CheckPolicy,
}

/// Defaults of `luasim check` (its options override them).
#[derive(Debug, Clone, Default)]
pub struct CheckPolicy {
    pub device: Option<String>,
    pub max_mah_per_day: Option<f64>,
    pub strict: bool,
    pub deny: Vec<String>,
    pub warn: Vec<String>,
    pub smoke_for: Option<Micros>,
}

/// A project that could not be loaded: the file at fault (the project file, a surface, a
/// mock), where in it when known, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectError {
    pub kind: ProjectErrorKind,
    pub at: Position,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectErrorKind {
    /// A file could not be read.
    Read,
    /// Not a project (or surface) document: YAML syntax, an unknown key, a wrong type.
    Document,
    /// Well formed, but not usable: a module named like a built-in global, too many functions.
    Invalid,
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl std::error::Error for ProjectError {}

impl ProjectError {
    fn whole_file(kind: ProjectErrorKind, file: &Path, message: impl Into<String>) -> ProjectError {
        ProjectError { kind, at: Position::file(file.display().to_string()), message: message.into() }
    }

    /// A YAML error of `file`, worded as scenario files' are (with a did-you-mean).
    fn from_yaml(file: &Path, err: serde_yaml::Error) -> ProjectError {
        let e = ScenarioError::from_yaml(&file.display().to_string(), err);
        let kind = match e.kind {
            ScenarioErrorKind::Read => ProjectErrorKind::Read,
            _ => ProjectErrorKind::Document,
        };
        ProjectError { kind, at: e.at, message: e.message }
    }
}

/// The project file in `dir` or the nearest folder above it, if any.
pub fn find_upward(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().map(|d| d.join(PROJECT_FILE)).find(|p| p.is_file())
}

impl Project {
    /// Loads the project file `file` and every surface and mock it names, through `files`.
    pub fn load(file: &Path, files: &dyn Files) -> Result<Project, ProjectError> {
        let read = |path: &Path| {
            files
                .read(path)
                .map_err(|e| ProjectError::whole_file(ProjectErrorKind::Read, path, format!("cannot read: {e}")))
        };
        let text = read(file)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let doc: ProjectDoc = serde_yaml::from_str(text).map_err(|e| ProjectError::from_yaml(file, e))?;
        let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut modules = Vec::new();
        for (name, m) in doc.modules {
            let surface_path = root.join(&m.surface);
            let entry: Entry =
                serde_yaml::from_str(&read(&surface_path)?).map_err(|e| ProjectError::from_yaml(&surface_path, e))?;
            let mock = match m.mock {
                Some(rel) => Some(MockSource { source: read(&root.join(&rel))?, chunk_name: slashed(&rel) }),
                None => None,
            };
            let invalid = |why: String| ProjectError::whole_file(ProjectErrorKind::Invalid, &surface_path, why);
            if TAKEN.contains(&name.as_str()) || crate::bindings::ALL.iter().any(|b| b.name == name) {
                return Err(invalid(format!(
                    "module `{name}`: luasim already has a global `{name}`; give the module another name"
                )));
            }
            let module = crate::apidoc::from_entry(&name, entry, mock).map_err(|e| invalid(e.to_string()))?;
            modules.push(module);
        }
        let functions: usize = modules.iter().map(|m| m.functions.len()).sum();
        if functions > MAX_USER_FUNCTIONS {
            let why =
                format!("the modules have {functions} functions together; a project has at most {MAX_USER_FUNCTIONS}");
            return Err(ProjectError::whole_file(ProjectErrorKind::Invalid, file, why));
        }
        let check = doc.check.unwrap_or_default();
        Ok(Project {
            file: file.to_path_buf(),
            defaults: Defaults {
                firmware: doc.firmware.map(|d| d.0),
                scripts: Some(root.join(doc.scripts.as_deref().unwrap_or("scripts"))),
                modules: Arc::new(UserModules(modules)),
            },
            scenarios: root.join(doc.scenarios.as_deref().unwrap_or("scenarios")),
            check: CheckPolicy {
                device: check.device,
                max_mah_per_day: check.max_mah_per_day,
                strict: check.strict.unwrap_or(false),
                deny: check.deny,
                warn: check.warn,
                smoke_for: check.smoke_for.map(|d| d.0),
            },
            root,
        })
    }
}

/// A relative path with `/` separators and no `./` (a mock's chunk name).
fn slashed(rel: &str) -> String {
    let path = Path::new(rel);
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The schema of the project file, as `luasim schema --project` prints it.
pub fn project_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().for_deserialize().into_generator();
    generator.into_root_schema_for::<ProjectDoc>().to_value()
}
