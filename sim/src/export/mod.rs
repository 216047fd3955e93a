//! Writers of run results for other tools: JUnit XML for CI systems and Chrome trace-event JSON
//! for Perfetto's timeline viewer, from data to text (Perfetto's as a stream into any `Write`, so that
//! its memory does not grow with the trace); the CLI writes the files.

pub mod junit;
pub mod perfetto;
