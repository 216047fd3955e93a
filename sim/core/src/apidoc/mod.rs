//! The API description format: the entries and signatures `sim/check/api/device.yaml` is written
//! in, shared by the linter (`luasim-check`) and the project's user-declared firmware modules,
//! which the runtime installs and checks arguments against (`bindings::user_modules`).

mod entry;
pub mod signature;

pub use entry::{Entry, Kind};
