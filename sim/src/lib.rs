//! luasim: the application around the simulator core (`luasim-core`): suites of scenarios on
//! all cores, benchmarks, exports to other tools' formats, and live sessions on a real MQTT
//! broker. The `luasim` binary (`main.rs`, `cli/`) is a thin command line over this,
//! `luasim-check` and `luasim-tui`.

pub mod bench;
pub mod export;
pub mod live;
pub mod suite;
