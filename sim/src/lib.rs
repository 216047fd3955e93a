//! luasim: the application around the simulator core (`luasim-core`): suites of scenarios on
//! all cores, benchmarks and exports to other tools' formats. The `luasim` binary (`main.rs`,
//! `cli/`) is a thin command line over this, `luasim-check` and `luasim-tui`.

pub mod bench;
pub mod export;
pub mod suite;
