//! `luasim api`: the device API, from `sim/check/api/device.yaml` (with the project's own
//! modules in a project). Prints the reference as Markdown, or writes definitions for editors
//! for one build: LuaCATS files and a `.luarc.json` for a Lua language server (`--luals DIR`), a
//! selene standard library (`--selene DIR`). In a project the build is its `firmware:` unless
//! `--device`/`--modules` say otherwise.

use super::output;
use anyhow::Context;
use clap::Args;
use luasim_check::api::DeviceApi;
use luasim_check::editor::{luals, selene, Build};
use luasim_core::profile::{built_in_names, Profile};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

#[derive(Args)]
#[command(after_help = "With --luals DIR, a `.luarc.json` naming DIR as its library is written beside DIR (in \
its parent folder): run `luasim api --luals .luals` in the folder your editor opens. An existing \
`.luarc.json` is never changed: when it lacks settings the definitions need, they are printed to merge in.")]
pub struct ApiArgs {
    /// Write LuaCATS `---@meta` definitions (device.lua, sys.lua) to this folder, and a `.luarc.json` beside it.
    #[arg(long, value_name = "DIR")]
    luals: Option<PathBuf>,
    /// Write a selene standard library (luasim.yml; `std = "luasim"` in selene.toml) to this folder.
    #[arg(long, value_name = "DIR")]
    selene: Option<PathBuf>,
    /// The build the definitions are for: a built-in profile, whose optional firmware modules
    /// they include [default: the project's firmware, or esp32].
    #[arg(long, value_name = "PROFILE")]
    device: Option<String>,
    /// The optional firmware modules, comma-separated, replacing the profile's list (as a scenario's `modules:`).
    #[arg(long, value_name = "MODULES", value_delimiter = ',')]
    modules: Option<Vec<String>>,
}

pub fn execute(args: ApiArgs) -> anyhow::Result<bool> {
    let project = super::project::current()?;
    let merged =
        project.filter(|p| !p.defaults.modules.is_empty()).map(|p| DeviceApi::with_modules(&p.defaults.modules));
    let api = merged.as_ref().unwrap_or_else(|| DeviceApi::get());
    if args.luals.is_none() && args.selene.is_none() {
        std::io::stdout().lock().write_all(api.markdown().as_bytes())?;
        return Ok(true);
    }
    let build = build(&args, project.and_then(|p| p.defaults.firmware.as_ref()))?;
    if let Some(dir) = &args.luals {
        write_luals(api, &build, dir)?;
    }
    if let Some(dir) = &args.selene {
        write_files(dir, &[(selene::FILE.to_string(), selene::std_library(api, &build))])?;
        eprintln!("luasim: wrote {} for {}", dir.join(selene::FILE).display(), build.describe());
    }
    Ok(true)
}

/// Writes the LuaCATS definitions of `api` for `build` to `dir`, and a `.luarc.json` beside it
/// unless one is there (then prints what it needs, if it lacks it).
pub fn write_luals(api: &DeviceApi, build: &Build, dir: &Path) -> anyhow::Result<()> {
    let name = folder_name(dir)?;
    write_files(dir, &luals::definitions(api, build))?;
    eprintln!("luasim: wrote {} for {}", dir.display(), build.describe());
    let luarc = dir.parent().unwrap_or(Path::new("")).join(".luarc.json");
    let text = luals::luarc(api, name);
    match std::fs::read_to_string(&luarc) {
        Err(_) => {
            output::write(&luarc, |out| Ok(out.write_all(text.as_bytes())?))?;
            eprintln!("luasim: wrote {}", luarc.display());
        }
        Ok(old) if luals::luarc_covers(&old, &text) => {}
        Ok(_) => eprintln!(
            "luasim: kept your {}; for the definitions to apply, it needs these settings:\n{text}",
            luarc.display()
        ),
    }
    Ok(())
}

/// The build `--device` and `--modules` name, else the project's firmware, else esp32's.
fn build(args: &ApiArgs, firmware: Option<&Profile>) -> anyhow::Result<Build> {
    let profile = match (&args.device, firmware) {
        (None, Some(firmware)) => firmware.clone(),
        (device, _) => {
            let device = device.as_deref().unwrap_or("esp32");
            Profile::built_in(device).with_context(|| {
                format!("unknown --device `{device}` (built in: {})", built_in_names().collect::<Vec<_>>().join(", "))
            })?
        }
    };
    let known: Vec<&str> = luasim_core::bindings::ALL.iter().filter_map(|b| b.module).collect();
    let modules = args.modules.clone().unwrap_or(profile.modules);
    if let Some(bad) = modules.iter().find(|m| !known.contains(&m.as_str())) {
        anyhow::bail!("unknown firmware module `{bad}` in --modules (known: {})", known.join(", "));
    }
    Ok(Build { profile: profile.name, modules })
}

/// The last part of `dir`, the library path the `.luarc.json` beside it names.
fn folder_name(dir: &Path) -> anyhow::Result<&str> {
    match dir.components().next_back() {
        Some(Component::Normal(name)) => name.to_str().context("the --luals folder's name is not UTF-8"),
        _ => anyhow::bail!("--luals takes the folder for the definitions, such as `.luals`, not `{}`", dir.display()),
    }
}

fn write_files(dir: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in files {
        output::write(&dir.join(name), |out| Ok(out.write_all(text.as_bytes())?))?;
    }
    Ok(())
}
