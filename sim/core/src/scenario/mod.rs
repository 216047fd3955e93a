//! Scenarios: a described device, its scripts, timed steps and expectations, loaded from YAML.
//!
//! Loading resolves everything a run needs (profile, script files) up front, so the simulation
//! itself never touches the host file system. Every error names the file, and where the YAML
//! parser can tell, the line and column.

mod doc;
mod files;
mod fleet;
mod folder;
pub mod hostfs;
mod locate;
mod luadb;
mod schema;
mod yaml_budget;
mod yaml_events;

/// The steps a scenario plays, and the default of its `max_events:` budget.
pub use crate::world::{Action, Step, MAX_EVENTS};
pub(crate) use doc::{DeviceDoc, Duration};
pub use files::{Embedded, Files, HostFiles};
pub use fleet::{Fleet, DEFAULT_LATENCY};
pub use folder::find_scenarios;
pub use schema::{duration_pattern, scenario_schema};

use crate::apidoc::UserModules;
use crate::expect::{Expectation, Target};
use crate::position::Position;
use crate::profile::Profile;
use crate::suggest::{did_you_mean, nearest};
use crate::time::Micros;
use crate::vfs::Vfs;
use crate::world::Setup;
use doc::{ScenarioDoc, ScriptsDoc};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub about: Option<String>,
    /// Where it came from, for messages.
    pub origin: String,
    pub profile: Profile,
    pub files: Vfs,
    /// The host folder its scripts were mounted from (`scripts: DIR`); `None` for inline ones.
    pub scripts_dir: Option<PathBuf>,
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
    /// Most trace events the run may record (`max_events:`, default `world::MAX_EVENTS`).
    pub max_events: u64,
    /// The project's own firmware modules (none outside a project).
    pub modules: Arc<UserModules>,
    /// What their functions return (`returns:`), by `Module.function`: the values, and whether
    /// they are a sequence (one per call) rather than one value for every call.
    pub returns: Vec<(String, Vec<serde_json::Value>, bool)>,
    /// A fleet's devices and broker (`devices:`); `None` for a single device. A fleet's own
    /// fields above are its first device's, but for name, about, origin, seed and duration.
    pub fleet: Option<Arc<Fleet>>,
}

impl Scenario {
    /// What the world starts from.
    pub fn setup(&self) -> Setup {
        Setup {
            profile: self.profile.clone(),
            files: self.files.clone(),
            start_tick: self.start_tick,
            duration: self.duration,
            steps: self.steps.clone(),
            config: self.config.clone(),
            gnss: self.gnss.clone(),
            ip: self.ip.clone(),
            radio: self.radio,
            max_events: self.max_events,
            modules: self.modules.clone(),
            returns: self.returns.clone(),
            probes: self.expect.iter().flat_map(Expectation::probe_moments).collect(),
        }
    }

    /// The devices it runs: a fleet's, or itself.
    pub fn devices(&self) -> &[Scenario] {
        match &self.fleet {
            Some(fleet) => &fleet.devices,
            None => std::slice::from_ref(self),
        }
    }

    /// The scenario with `f` applied to each device it runs (a fleet's fields at the top are
    /// its first device's, so they get `f` too; the fleet's own name, seed and duration stay).
    pub fn map_devices(&self, mut f: impl FnMut(&Scenario) -> Scenario) -> Scenario {
        let Some(fleet) = &self.fleet else { return f(self) };
        let devices: Vec<Scenario> = fleet.devices.iter().map(&mut f).collect();
        let first = devices.first().cloned().unwrap_or_else(|| self.clone());
        Scenario {
            name: self.name.clone(),
            about: self.about.clone(),
            origin: self.origin.clone(),
            seed: self.seed,
            duration: self.duration,
            fleet: Some(Arc::new(Fleet { devices, ..(**fleet).clone() })),
            ..first
        }
    }

    /// Whether the firmware build can play it: not with the project's own modules, which only
    /// the simulator has.
    pub fn simulator_only(&self) -> Option<String> {
        if let Some(fleet) = &self.fleet {
            return Some(format!("it is a fleet of {} devices; the firmware plays one", fleet.devices.len()));
        }
        if let Some(m) = self.modules.0.first() {
            return Some(format!("it runs with the project's own module `{}`, which only the simulator has", m.name));
        }
        self.steps.iter().find(|s| matches!(s.action, Action::Set { .. })).map(|_| "it has a `set` step".to_string())
    }
}

/// What a scenario gets from the project it is in (`project::Project::defaults`): the build it
/// runs on without `device:`, the folder it mounts without `scripts:`, the project's modules.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub firmware: Option<Profile>,
    pub scripts: Option<PathBuf>,
    pub modules: Arc<UserModules>,
}

/// The address `Node.ip()` returns unless a scenario says otherwise.
pub const DEFAULT_IP: &str = "192.168.4.2";

/// A scenario that could not be loaded: what kind of problem, file, position when known, and
/// what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub kind: ScenarioErrorKind,
    pub at: Position,
    pub message: String,
}

/// What kind of problem stopped a scenario from loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioErrorKind {
    /// The scenario file, its script folder or a file a step names could not be read.
    Read,
    /// Not a scenario document: YAML syntax, an unknown key, a value of the wrong type or unit.
    Document,
    /// Over one of the documented input limits (`docs/security.md`): expansion, nesting, steps.
    Limit,
    /// A well-formed document that cannot run: no `main.lua`, a budget of zero events.
    Invalid,
    /// A scenario this build of luasim cannot run (sleepy tasks on a build without Lua 5.4);
    /// suites skip it rather than fail.
    Unsupported,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    fn whole_file(kind: ScenarioErrorKind, file: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError { kind, at: Position::file(file), message: message.into() }
    }

    fn at(kind: ScenarioErrorKind, file: &str, line: usize, column: usize, message: String) -> ScenarioError {
        ScenarioError { kind, at: Position { file: file.to_string(), line: Some(line), column: Some(column) }, message }
    }

    /// The error with the line and column of what its message is about, when it names only
    /// its file and opens with a path in `text`, the document it was found in (`locate`).
    fn located_in(mut self, text: &str) -> ScenarioError {
        if self.at.line.is_none() {
            if let Some((line, column)) = locate::locate(text, &self.message) {
                self.at.line = Some(line);
                self.at.column = Some(column);
            }
        }
        self
    }

    pub(crate) fn from_yaml(file: &str, err: serde_yaml::Error) -> ScenarioError {
        let text = err.to_string();
        // serde_yaml appends " at line L column C"; the position is reported separately.
        let message = match (err.location(), text.rfind(" at line ")) {
            (Some(_), Some(cut)) => text[..cut].to_string(),
            _ => text,
        };
        let loc = err.location();
        ScenarioError {
            kind: ScenarioErrorKind::Document,
            at: Position {
                file: file.to_string(),
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
            },
            message: with_suggestion(message),
        }
    }
}

/// Adds "; did you mean `duration`?" to serde's "unknown field `durration`, expected one of
/// `name`, ..., `duration`, ..." when a known field is a likely typo of the unknown one.
fn with_suggestion(message: String) -> String {
    const UNKNOWN: &str = "unknown field `";
    let Some(start) = message.find(UNKNOWN) else { return message };
    let rest = &message[start + UNKNOWN.len()..];
    let Some((unknown, known)) = rest.split_once('`') else { return message };
    let Some((_, known)) = known.split_once("expected") else { return message };
    // The known names are every other piece between backticks: `a`, `b` or `c`.
    let names = known.split('`').skip(1).step_by(2);
    match nearest(&unknown.to_lowercase(), names) {
        Some((name, distance)) if distance < unknown.chars().count() => format!("{message}{}", did_you_mean(name)),
        _ => message,
    }
}

impl Scenario {
    /// Loads `path` and the script folder it names through `files`.
    pub fn load(path: &Path, files: &dyn Files) -> Result<Scenario, ScenarioError> {
        Scenario::load_in(path, files, None)
    }

    /// `load` inside a project: its firmware and scripts are the defaults, its modules exist.
    pub fn load_in(path: &Path, files: &dyn Files, project: Option<&Defaults>) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let text = files
            .read(path)
            .map_err(|e| ScenarioError::whole_file(ScenarioErrorKind::Read, &origin, format!("cannot read: {e}")))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Scenario::parse_in(&text, &origin, &base, files, project)
    }

    /// Parses scenario text; a script folder is looked up relative to `base`.
    pub fn parse(text: &str, origin: &str, base: &Path, files: &dyn Files) -> Result<Scenario, ScenarioError> {
        Scenario::parse_in(text, origin, base, files, None)
    }

    /// `parse` inside a project (see `load_in`).
    pub fn parse_in(
        text: &str,
        origin: &str,
        base: &Path,
        files: &dyn Files,
        project: Option<&Defaults>,
    ) -> Result<Scenario, ScenarioError> {
        // A byte-order mark is not part of the document (YAML 1.2, 5.2).
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Some((line, column, message)) = first_tab(text) {
            return Err(ScenarioError::at(ScenarioErrorKind::Document, origin, line, column, message.into()));
        }
        if let Some((line, column)) = too_deep_flow(text) {
            let message = format!("`[` and `{{` nested deeper than {MAX_FLOW_DEPTH} levels");
            return Err(ScenarioError::at(ScenarioErrorKind::Limit, origin, line, column, message));
        }
        if let Err(over) = yaml_budget::check(text) {
            return Err(ScenarioError::at(ScenarioErrorKind::Limit, origin, over.line, over.column, over.message));
        }
        let doc: ScenarioDoc = serde_yaml::from_str(text).map_err(|e| ScenarioError::from_yaml(origin, e))?;
        let loaded = if doc.devices.is_empty() && doc.broker.is_some() {
            let message = "broker: only a fleet has one (`devices:`)".to_string();
            Err(ScenarioError::whole_file(ScenarioErrorKind::Invalid, origin, message))
        } else if doc.devices.is_empty() {
            Scenario::from_doc(doc, origin, base, files, project)
        } else {
            fleet::load(doc, origin, base, files, project)
        };
        loaded.map_err(|e| e.located_in(text))
    }

    /// A single device's document made into a scenario.
    fn from_doc(
        doc: ScenarioDoc,
        origin: &str,
        base: &Path,
        files: &dyn Files,
        project: Option<&Defaults>,
    ) -> Result<Scenario, ScenarioError> {
        let invalid = |message: String| ScenarioError::whole_file(ScenarioErrorKind::Invalid, origin, message);
        let scripts = match (doc.scripts, project.and_then(|p| p.scripts.as_ref())) {
            (Some(scripts), _) => scripts,
            (None, Some(dir)) => ScriptsDoc::Folder(dir.display().to_string()),
            (None, None) => {
                return Err(invalid(
                    "scripts: missing (a folder or inline files; outside a project it has no default)".into(),
                ))
            }
        };
        let mut profile = match (doc.device, project.and_then(|p| p.firmware.clone())) {
            (Some(device), _) => device.0,
            (None, Some(firmware)) => firmware,
            (None, None) => {
                return Err(invalid(
                    "device: missing (a profile name; outside a project with `firmware:` it has no default)".into(),
                ))
            }
        };
        let modules = project.map(|p| p.modules.clone()).unwrap_or_default();
        let mut returns = Vec::new();
        for (function, entry) in doc.returns {
            if modules.function(&function).is_none() {
                return Err(invalid(format!("returns: {}", modules.unknown_function(&function))));
            }
            let (values, sequence) = entry.values().map_err(|e| invalid(format!("returns: {function}: {e}")))?;
            returns.push((function, values, sequence));
        }
        let (flash, scripts_dir) = match scripts {
            ScriptsDoc::Folder(dir) => {
                let dir: PathBuf = base.join(dir);
                let found = files.read_folder(&dir).map_err(|e| {
                    ScenarioError::whole_file(
                        ScenarioErrorKind::Read,
                        origin,
                        format!("scripts: cannot read folder {}: {e}", dir.display()),
                    )
                })?;
                let found = if profile.has_module(crate::profile::LUATOS) {
                    luadb::flatten(found).map_err(|e| invalid(format!("scripts: {e}")))?
                } else {
                    found
                };
                let flash = Vfs::under_scripts(found);
                (flash, Some(dir))
            }
            ScriptsDoc::Inline(map) => (Vfs::from_inline(map), None),
        };
        if !flash.contains(crate::vfs::MAIN_SCRIPT) {
            return Err(ScenarioError::whole_file(
                ScenarioErrorKind::Invalid,
                origin,
                format!("scripts: no `main.lua` (the device boots {})", crate::vfs::MAIN_SCRIPT),
            ));
        }
        let mut expect: Vec<Expectation> = doc.expect.into_iter().flat_map(|e| e.0).collect();
        for e in &expect {
            if let Target::Call { function, .. } = &e.target {
                if modules.function(function).is_none() {
                    return Err(invalid(format!("expect: call: {}", modules.unknown_function(function))));
                }
            }
        }
        if !expect.iter().any(|e| matches!(e.target, Target::Errors(_))) {
            expect.push(Expectation::implicit_no_errors());
        }
        let mut steps: Vec<Step> = Vec::new();
        let (mut total_steps, mut total_bytes) = (0u64, 0u64);
        for (index, doc_step) in doc.steps.into_iter().enumerate() {
            let mut parts = doc_step.steps;
            if let Some(file) = doc_step.read_file {
                let bytes = files.read(&base.join(&file)).map_err(|e| {
                    ScenarioError::whole_file(
                        ScenarioErrorKind::Read,
                        origin,
                        format!("write step: cannot read {file}: {e}"),
                    )
                })?;
                for part in &mut parts {
                    if let Action::Write { bytes: b, .. } = &mut part.action {
                        *b = bytes.clone().into_bytes();
                    }
                }
            }
            // A step first due after the end would silently never happen.
            if let Some(late) = parts.iter().find(|p| p.at > doc.duration.0) {
                return Err(ScenarioError::whole_file(
                    ScenarioErrorKind::Invalid,
                    origin,
                    format!(
                        "steps[{index}]: at {} s, after the end of the run (duration: {} s), so it would never happen",
                        crate::time::Secs(late.at),
                        crate::time::Secs(doc.duration.0)
                    ),
                ));
            }
            // Check the schedule's data fits before `repeat` copies anything (the step count
            // alone was bounded while parsing).
            let copies = doc_step.repeat;
            total_steps = total_steps.saturating_add((parts.len() as u64).saturating_mul(copies));
            let bytes: u64 = parts.iter().map(|p| step_bytes(&p.action)).sum();
            total_bytes = total_bytes.saturating_add(bytes.saturating_mul(copies));
            if total_bytes > MAX_SCHEDULE_BYTES {
                return Err(ScenarioError::whole_file(
                    ScenarioErrorKind::Limit,
                    origin,
                    format!(
                        "steps[{index}]: with `repeat` the schedule holds {total_steps} steps of {} MB so far; a \
                         scenario holds at most {} steps and {} MB of step data",
                        total_bytes / 1_000_000,
                        doc::MAX_STEPS,
                        MAX_SCHEDULE_BYTES / 1_000_000
                    ),
                ));
            }
            for i in 0..copies {
                let at = |s: &Step| s.at.saturating_add(i.saturating_mul(doc_step.every));
                steps.extend(parts.iter().map(|s| Step { at: at(s), action: s.action.clone() }));
            }
        }
        if let Some(call) = steps.iter().find_map(|s| match &s.action {
            Action::Set { call, .. } if modules.function(call).is_none() => Some(call),
            _ => None,
        }) {
            return Err(invalid(format!("steps: set: {}", modules.unknown_function(call))));
        }
        steps.sort_by_key(|s| s.at);
        let max_events = match doc.max_events {
            Some(0) => {
                return Err(ScenarioError::whole_file(
                    ScenarioErrorKind::Invalid,
                    origin,
                    "max_events: a run records at least 1 event",
                ))
            }
            Some(n) => n,
            None => crate::world::MAX_EVENTS,
        };
        if profile.sleepy && !cfg!(feature = "lua54") {
            let message =
                "device: sleepy tasks need a Lua 5.4 build of luasim (the persister reads Lua 5.4's internals)";
            return Err(ScenarioError::whole_file(ScenarioErrorKind::Unsupported, origin, message));
        }
        if let Some(options) = doc.modules {
            doc::check_modules(&options)
                .map_err(|e| ScenarioError::whole_file(ScenarioErrorKind::Document, origin, e))?;
            profile.modules = options;
        }
        Ok(Scenario {
            name: doc.name,
            about: doc.about,
            origin: origin.to_string(),
            profile,
            files: flash,
            scripts_dir,
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
            max_events,
            modules,
            returns,
            fleet: None,
        })
    }
}

/// Most host memory the expanded schedule may take (payloads, file contents, event data).
const MAX_SCHEDULE_BYTES: u64 = 256_000_000;

/// Host bytes one scheduled step takes, roughly: the step itself and the data it carries.
fn step_bytes(action: &Action) -> u64 {
    let data = match action {
        Action::Publish { topic, args } => topic.len() + args.iter().map(|a| a.to_string().len()).sum::<usize>(),
        Action::Mqtt { topic, payload } => topic.len() + payload.len(),
        Action::Event { name, data } => name.len() + data.to_string().len(),
        Action::Write { path, bytes } => path.len() + bytes.len(),
        Action::Config { path, value } => path.len() + value.to_string().len(),
        Action::Gnss { fix } => fix.as_ref().map_or(0, |f| f.to_string().len()),
        Action::Set { call, value } => call.len() + value.to_string().len(),
        _ => 0,
    };
    (std::mem::size_of::<Step>() + data) as u64
}

/// Deepest nesting of flow collections (`[...]`, `{...}`) handed to the YAML parser, whose time
/// grows with the file's length times this depth (40,000 levels: seconds); serde stops at 128
/// levels anyway.
const MAX_FLOW_DEPTH: usize = 256;

/// Position (1-based) of the first `[` or `{` nested deeper than `MAX_FLOW_DEPTH`, not counting
/// brackets in quoted strings, comments and block scalars (`main.lua: |` and its lines). A line
/// at indentation 0 starts a new top-level entry, so stray brackets before it do not add up.
fn too_deep_flow(text: &str) -> Option<(usize, usize)> {
    let (mut depth, mut quote, mut block_parent): (usize, Option<char>, Option<usize>) = (0, None, None);
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        match block_parent {
            Some(parent) if line.trim().is_empty() || indent > parent => continue,
            _ => block_parent = None,
        }
        if indent == 0 && quote.is_none() && !line.trim().is_empty() {
            depth = 0;
        }
        let (mut previous, mut escaped, mut content_end) = (' ', false, line.len());
        for (column, c) in line.char_indices() {
            match (quote, c) {
                (Some('"'), '\\') if !escaped => escaped = true,
                (Some(q), c) if c == q && !escaped => quote = None,
                (Some(_), _) => escaped = false,
                (None, '"' | '\'') if " \t[{,:".contains(previous) => quote = Some(c),
                (None, '#') if previous == ' ' || column == 0 => {
                    content_end = column;
                    break;
                }
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some((i + 1, line[..column].chars().count() + 1));
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
        if quote.is_none() && depth == 0 && opens_block(&line[..content_end]) {
            block_parent = Some(indent);
        }
    }
    None
}

const TAB_INDENT: &str = "tab character in indentation; YAML indents with spaces";
const TAB_IN_BLOCK: &str = "tab character in indentation; YAML indents with spaces, also inside a block scalar \
     (`main.lua: |`), where a tab may follow the block's indentation";

/// Whether a line's content (comment removed) opens a block scalar: `key: |`, `- >-`, `|2`.
fn opens_block(content: &str) -> bool {
    let content = content.trim_end().trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    content.ends_with(" |") || content.ends_with(" >") || content == "|" || content == ">"
}

/// Position (1-based) of the first tab YAML would take as indentation. YAML indents with
/// spaces only; inside a block scalar (`main.lua: |`) a tab after the block's indentation is
/// content, as YAML 1.2 allows, but a tab before it is still indentation. The message says
/// which of the two cases it is.
fn first_tab(text: &str) -> Option<(usize, usize, &'static str)> {
    // An open block scalar: the indentation of its header line, and of its content once known.
    let mut block: Option<(usize, Option<usize>)> = None;
    for (i, line) in text.lines().enumerate() {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[spaces..];
        if let Some((parent, content)) = block {
            match content {
                Some(c) if spaces >= c => continue,
                _ if rest.starts_with('\t') && (content.is_some() || spaces > parent) => {
                    return Some((i + 1, spaces + 1, TAB_IN_BLOCK))
                }
                _ if rest.is_empty() => continue,
                None if spaces > parent && !rest.starts_with('\t') => {
                    block = Some((parent, Some(spaces)));
                    continue;
                }
                _ => block = None,
            }
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        if let Some(col) = indent.find('\t') {
            return Some((i + 1, col + 1, TAB_INDENT));
        }
        let content = match line.find(" #") {
            Some(cut) if !line[..cut].contains(['"', '\'']) => &line[..cut],
            _ => line,
        };
        if opens_block(content) {
            block = Some((spaces, None));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{too_deep_flow, with_suggestion, MAX_FLOW_DEPTH};
    use crate::suggest::edit_distance;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("durration", "duration"), 1);
        assert_eq!(edit_distance("publsh", "publish"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn unknown_fields_get_the_nearest_known_name() {
        let serde = "unknown field `durration`, expected one of `name`, `duration`, `seed`";
        assert_eq!(with_suggestion(serde.into()), format!("{serde}; did you mean `duration`?"));
        let two = "steps[0]: unknown field `Reload`, expected `at` or `reload`";
        assert_eq!(with_suggestion(two.into()), format!("{two}; did you mean `reload`?"));
        let far = "unknown field `colour`, expected one of `name`, `duration`";
        assert_eq!(with_suggestion(far.into()), far, "no suggestion when nothing is close");
    }

    #[test]
    fn deep_flow_nesting_is_found_outside_strings_comments_and_block_scalars() {
        let deep = "[".repeat(MAX_FLOW_DEPTH + 1);
        assert_eq!(too_deep_flow(&format!("name: x\nconfig: {{ a: {deep} }}\n")), Some((2, 269)));
        assert_eq!(too_deep_flow(&"[".repeat(MAX_FLOW_DEPTH)), None);
        let hidden = [
            format!("about: \"{deep}\"\n"),
            format!("about: '{deep}'\n"),
            format!("# {deep}\nname: x\n"),
            format!("scripts:\n  main.lua: |\n    local s = {deep}\n\n    x = 1\nname: x\n"),
            format!("scripts:\n  - >-\n    {deep}\n"),
        ];
        for text in hidden {
            assert_eq!(too_deep_flow(&text), None, "{text}");
        }
        let after_block = format!("scripts:\n  main.lua: |\n    x = 1\nconfig: {deep}\n");
        assert_eq!(too_deep_flow(&after_block), Some((4, 265)));
        let plain_apostrophe = format!("about: it's\nconfig: {deep}\n");
        assert_eq!(too_deep_flow(&plain_apostrophe), Some((2, 265)));
        let stray = "never: E/[\n".repeat(2 * MAX_FLOW_DEPTH);
        assert_eq!(too_deep_flow(&stray), None, "top-level lines do not add up");
    }
}
