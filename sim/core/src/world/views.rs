//! What the layers above (bindings, runtime, device) may read of the world, and the few
//! bookkeeping changes they make that belong to no device topic. The world's fields are
//! private: everything else goes through the methods of the topic's own file.

use super::registrations::Registration;
use super::sleep_region::SleepRegion;
use super::{Clock, World};
use crate::apidoc::UserModules;
use crate::profile::Profile;
use crate::time::Micros;
use crate::vfs::Vfs;
use std::sync::Arc;

impl World {
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The device's flash file system (LittleFS); survives reboots.
    pub fn flash(&self) -> &Vfs {
        &self.flash
    }

    /// The sleep region (RTC memory), kept across deep sleep.
    pub fn sleep_region(&self) -> &SleepRegion {
        &self.sleep_region
    }

    /// The GNSS fix `GNSS.lastFix` reads, if there is one.
    pub fn gnss_fix(&self) -> Option<&serde_json::Value> {
        self.gnss_fix.as_ref()
    }

    /// What `Node.ip()` returns (empty: nil).
    pub fn ip(&self) -> &str {
        &self.ip
    }

    /// Generation of the current Lua state: 1 at the first boot, +1 at every reload or boot.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Why the device is running now (`Node.wakeCause()`).
    pub fn wake_cause(&self) -> super::WakeCause {
        self.wake_cause
    }

    /// The project's own firmware modules, installed in every state after the built-in ones.
    pub fn modules(&self) -> &Arc<UserModules> {
        &self.modules
    }

    /// A registration (subscription or timeout) by id.
    pub fn registration(&self, id: u64) -> Option<&Registration> {
        self.registrations.get(id)
    }

    /// Forgets a registration (a one-shot timeout after it ran, a stale one).
    pub fn forget_registration(&mut self, id: u64) {
        self.registrations.remove(id);
    }

    /// What a function of the project's modules returns now (the scenario's `returns:` or the
    /// last `set` step), moving a sequence on.
    pub fn next_return(&mut self, function: &str) -> Option<serde_json::Value> {
        self.returns.next(function)
    }

    /// Notes the script line of each binding call (`runtime::run_noting_lines`).
    pub fn note_call_lines(&mut self, noting: bool) {
        self.note_call_lines = noting;
    }

    pub fn noting_call_lines(&self) -> bool {
        self.note_call_lines
    }

    /// Sets the script line of the binding call running now; returns the one it replaces.
    pub fn swap_call_line(&mut self, line: Option<String>) -> Option<String> {
        std::mem::replace(&mut self.call_line, line)
    }

    /// An out-of-memory error at a script line the allocator knew (not traced: the device
    /// prints no line; read by `luasim check`).
    pub fn note_out_of_memory(&mut self, what: &str, line: String) {
        let at: Micros = self.clock.now();
        self.out_of_memory_at.push((at, what.to_string(), line));
    }
}
