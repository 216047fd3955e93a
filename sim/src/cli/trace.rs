//! `luasim trace export --format perfetto TRACE.json -o OUT`: convert a saved trace.

use super::{for_each_event, output, pipe};
use clap::{Args, Subcommand, ValueEnum};
use luasim::export::perfetto;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum TraceCommand {
    /// Convert a trace saved with `luasim run --trace-json` to another format.
    Export(ExportArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Chrome trace-event JSON, opened by Perfetto's UI and chrome://tracing.
    Perfetto,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The trace JSON file.
    trace: PathBuf,
    #[arg(long, value_enum, default_value = "perfetto")]
    format: Format,
    /// Output file (default: the trace's name with `.perfetto.json`).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn execute(command: TraceCommand) -> anyhow::Result<bool> {
    let TraceCommand::Export(args) = command;
    let target = args.output.unwrap_or_else(|| args.trace.with_extension("perfetto.json"));
    let title = args.trace.file_stem().map_or_else(|| "luasim".into(), |s| s.to_string_lossy().into_owned());
    match args.format {
        // One pass over the file, so that neither the events nor the output are ever whole
        // in memory.
        Format::Perfetto => output::write(&target, |out| {
            let mut writer = perfetto::Stream::start(&title, out)?;
            for_each_event(&args.trace, |e| writer.event(&e))?;
            writer.finish()?;
            Ok(())
        })?,
    }
    pipe::note!("wrote {}", target.display());
    Ok(true)
}
