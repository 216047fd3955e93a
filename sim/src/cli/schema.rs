//! `luasim schema [scenario|project]`: prints the JSON Schema (draft 2020-12) of scenario files,
//! or of the project file `luasim.yaml`, for an editor's YAML language server
//! (`# yaml-language-server: $schema=...`) or any validator. Both are derived from the loaders'
//! own types (`luasim_core::scenario::scenario_schema`, `luasim_core::project::project_schema`).

use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Which file format.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Scenario files (`scenarios/*.yaml`).
    Scenario,
    /// The project file (`luasim.yaml`).
    Project,
}

#[derive(Args)]
pub struct SchemaArgs {
    /// The format whose schema to print.
    #[arg(value_enum, default_value = "scenario")]
    format: Format,
    /// Write the schema to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

pub fn execute(args: SchemaArgs) -> anyhow::Result<bool> {
    let schema = match args.format {
        Format::Scenario => luasim_core::scenario::scenario_schema(),
        Format::Project => luasim_core::project::project_schema(),
    };
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    match args.out {
        Some(path) => super::output::write(&path, |out| Ok(out.write_all(text.as_bytes())?))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(true)
}
