//! `luasim init [DIR]`: starts a project for a firmware's scripts. Writes the project file, a
//! `main.lua` (registrations) and `rules.lua` (decisions, ending in `sys.run()`), one declared
//! firmware module with its mock, one scenario with expectations, the schemas the YAML files
//! name for editors, LuaCATS definitions with a `.luarc.json`, and a GitHub Actions workflow
//! (`ci/github-actions-luasim.yml` with luasim's git URL and commit pinned). Nothing is
//! overwritten: if any of the files exists, nothing is written.
//!
//! The files are the ones in `template/`, compiled in; `tests/tests/project.rs` runs the
//! scaffold's scenario and check, so the template cannot rot.

use super::output;
use anyhow::Context;
use clap::Args;
use luasim_check::api::DeviceApi;
use luasim_check::editor::Build;
use luasim_core::project::Project;
use luasim_core::scenario::HostFiles;
use std::path::{Path, PathBuf};

/// The template, by path in the new project.
const TEMPLATE: &[(&str, &str)] = &[
    ("luasim.yaml", include_str!("template/luasim.yaml")),
    ("scripts/main.lua", include_str!("template/scripts/main.lua")),
    ("scripts/rules.lua", include_str!("template/scripts/rules.lua")),
    ("modules/display.yaml", include_str!("template/modules/display.yaml")),
    ("modules/display.lua", include_str!("template/modules/display.lua")),
    ("scenarios/temperature.yaml", include_str!("template/scenarios/temperature.yaml")),
];

/// The CI recipe users copy, which the project gets with its pins filled in.
const WORKFLOW: &str = include_str!("../../../../ci/github-actions-luasim.yml");
const WORKFLOW_PATH: &str = ".github/workflows/luasim.yml";
/// The recipe's placeholders for luasim's git URL and commit.
const GIT_PLACEHOLDER: &str = "SET-ME-luasim-git-url";
const REV_PLACEHOLDER: &str = "SET-ME-luasim-commit";

/// Where the schemas and the editor definitions go.
const SCENARIO_SCHEMA: &str = ".luasim/scenario.schema.json";
const PROJECT_SCHEMA: &str = ".luasim/project.schema.json";
const LUALS_DIR: &str = ".luals";

#[derive(Args)]
#[command(after_help = "The CI workflow installs luasim with `cargo install --git URL --rev COMMIT`: luasim has \
no public git URL, so without --luasim-git the workflow says SET-ME-luasim-git-url, which you replace.")]
pub struct InitArgs {
    /// The folder of the new project (created if needed) [default: the current folder].
    dir: Option<PathBuf>,
    /// The git URL the CI workflow installs luasim from.
    #[arg(long, value_name = "URL")]
    luasim_git: Option<String>,
    /// The commit (or tag) of luasim the CI workflow installs [default: the commit this binary was built from].
    #[arg(long, value_name = "REV")]
    luasim_rev: Option<String>,
}

pub fn execute(args: InitArgs) -> anyhow::Result<bool> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    let built_from = env!("LUASIM_COMMIT_FULL");
    let rev = match args.luasim_rev {
        Some(rev) => rev,
        None if built_from != "unknown" => built_from.to_string(),
        None => REV_PLACEHOLDER.to_string(),
    };
    let git = args.luasim_git.unwrap_or_else(|| GIT_PLACEHOLDER.to_string());
    let workflow = WORKFLOW.replacen(GIT_PLACEHOLDER, &git, 1).replacen(REV_PLACEHOLDER, &rev, 1);
    let mut files: Vec<(String, String)> = TEMPLATE.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    files.push((WORKFLOW_PATH.into(), workflow));
    files.push((SCENARIO_SCHEMA.into(), schema_text(&luasim_core::scenario::scenario_schema())?));
    files.push((PROJECT_SCHEMA.into(), schema_text(&luasim_core::project::project_schema())?));
    let existing: Vec<String> = files
        .iter()
        .map(|(p, _)| p.clone())
        .chain([".luarc.json".to_string(), LUALS_DIR.to_string()])
        .filter(|p| dir.join(p).exists())
        .collect();
    anyhow::ensure!(
        existing.is_empty(),
        "{} already has {}: luasim init writes a new project and overwrites nothing",
        dir.display(),
        existing.join(", ")
    );
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        output::write(&path, |out| Ok(out.write_all(text.as_bytes())?))?;
    }
    let project = Project::load(&dir.join("luasim.yaml"), &HostFiles)?;
    let firmware = project.defaults.firmware.clone().context("the template's project names its firmware")?;
    let build = Build { profile: firmware.name.clone(), modules: firmware.modules.clone() };
    super::api::write_luals(&DeviceApi::with_modules(&project.defaults.modules), &build, &dir.join(LUALS_DIR))?;
    report(&dir, &git, &rev);
    Ok(true)
}

fn schema_text(schema: &serde_json::Value) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(schema)? + "\n")
}

fn report(dir: &Path, git: &str, rev: &str) {
    let shown = dir.display();
    eprintln!("luasim: a new project in {shown}: luasim.yaml, scripts/, modules/, scenarios/, {WORKFLOW_PATH}");
    eprintln!("luasim: try it: cd {shown} && luasim test && luasim check scripts/rules.lua");
    if git == GIT_PLACEHOLDER || rev == REV_PLACEHOLDER {
        eprintln!(
            "luasim: set LUASIM_GIT (luasim's git URL) and LUASIM_REV (a commit) in {WORKFLOW_PATH}, or run init with \
             --luasim-git and --luasim-rev"
        );
    }
}
