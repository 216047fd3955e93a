//! `luasim pack SCENARIO -o BLOB`: write a scenario as the blob the QEMU firmware plays
//! (`docs/pack-format.md`).

use super::{load_scenario, output};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct PackArgs {
    /// Scenario YAML file.
    scenario: PathBuf,
    /// Where to write the blob.
    #[arg(long, short)]
    out: PathBuf,
}

pub fn execute(args: PackArgs) -> anyhow::Result<bool> {
    let scenario = load_scenario(Some(&args.scenario))?;
    let blob = luasim_core::pack::pack(&scenario)?;
    output::write(&args.out, |out| Ok(out.write_all(&blob)?))?;
    Ok(true)
}
