//! What `Config.get` traces when a script reads a key the device configuration does not have:
//! a `W/config` line, once per key in each Lua state for the first keys it remembers (by the
//! CRC-32 of the path, so both sides remember the same ones), then at every read.

/// The warning's text around the path: `no key 'alerts.treshold' in the config: nil`.
pub const MISSING_BEFORE: &str = "no key '";
pub const MISSING_AFTER: &str = "' in the config: nil";

/// How many missing keys a Lua state remembers having warned about; a read of a key past
/// them warns every time.
pub const REMEMBERED: usize = 16;
