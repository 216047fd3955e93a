//! The subcommands of the `luasim` binary, one file each. Each returns `Ok(passed)`; `main`
//! maps that to the exit code (0 pass, 1 expectations failed, 2 error).

pub mod api;
pub mod bench;
pub mod check;
pub mod color;
pub mod completions;
pub mod init;
pub mod live;
pub mod merge;
pub mod output;
pub mod pack;
pub mod partition;
pub mod pipe;
pub mod project;
pub mod run;
pub mod schema;
pub mod select;
pub mod test;
pub mod trace;
pub mod tui;

use anyhow::Context;
use luasim_core::scenario::{Embedded, Files, HostFiles, Scenario};
use luasim_core::trace::Event;
use std::path::Path;

/// The scenario `luasim run` runs when given none, with its scripts, compiled in.
const DEFAULT_SCENARIO: &str = "scenarios/blink.yaml";
const BUILT_IN_FILES: Embedded = Embedded(&[
    ("scenarios/blink.yaml", include_str!("../../../scenarios/blink.yaml")),
    ("lua/examples/blink/main.lua", include_str!("../../../lua/examples/blink/main.lua")),
]);

/// How many runs at once a `-j/--jobs` value asks for: 0 means one per core.
pub fn jobs(requested: usize) -> usize {
    match requested {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Loads a scenario file in the current project, or the built-in default when `path` is `None`.
pub fn load_scenario(path: Option<&Path>) -> anyhow::Result<Scenario> {
    match path {
        Some(p) => Ok(Scenario::load_in(p, &HostFiles, project::current()?.map(|p| &p.defaults))?),
        None => Ok(Scenario::load(Path::new(DEFAULT_SCENARIO), &BUILT_IN_FILES as &dyn Files)?),
    }
}

/// Reads a trace written by `luasim run --trace-json`, event by event.
pub fn load_trace(path: &Path) -> anyhow::Result<Vec<Event>> {
    let mut events = Vec::new();
    for_each_event(path, |e| {
        events.push(e);
        Ok(())
    })?;
    Ok(events)
}

/// Streams the events of a trace file to `each`, naming the file in any error.
pub fn for_each_event(path: &Path, each: impl FnMut(Event) -> std::io::Result<()>) -> anyhow::Result<u64> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    luasim_core::tracefile::read(file, each)
        .with_context(|| format!("{} is not a luasim trace (JSON array of events)", path.display()))
}
