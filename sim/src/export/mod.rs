//! Writers of run results for other tools: JUnit XML for CI systems and Chrome trace-event JSON
//! for Perfetto's timeline viewer. Pure functions from data to text; the CLI writes the files.

pub mod junit;
pub mod perfetto;
