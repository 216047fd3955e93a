//! The API description format: the entries and signatures `sim/check/api/device.yaml` is written
//! in, shared by the linter (`luasim-check`) and the project's user-declared firmware modules
//! (`modules.rs`), which the runtime installs and checks arguments against
//! (`bindings::user_modules`).

mod entry;
mod modules;
pub mod signature;

pub use entry::{Entry, EntryError, Kind};
pub use modules::{from_entry, MockSource, ModuleError, UserFunction, UserModule, UserModules, MAX_USER_FUNCTIONS};
