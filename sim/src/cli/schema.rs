//! `luasim schema`: prints the JSON Schema (draft 2020-12) of scenario files, for an editor's
//! YAML language server (`# yaml-language-server: $schema=...`) or any validator. It is derived
//! from the loader's own types (`luasim_core::scenario::scenario_schema`).

use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct SchemaArgs {
    /// Write the schema to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

pub fn execute(args: SchemaArgs) -> anyhow::Result<bool> {
    let mut text = serde_json::to_string_pretty(&luasim_core::scenario::scenario_schema())?;
    text.push('\n');
    match args.out {
        Some(path) => super::output::write(&path, |out| Ok(out.write_all(text.as_bytes())?))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(true)
}
