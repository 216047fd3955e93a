//! The end of LuatOS's Lua VM: once `main.lua` returns or fails, LuatOS's `luat_main` logs
//! `Lua VM exit!! reboot in 15000ms`, waits that long with no Lua running and resets the chip
//! (`luat/modules/luat_main.c` in openLuat/LuatOS). Timers still fire into the queue meanwhile
//! and scenario steps still apply; nobody takes the messages.

use super::{Halt, World};

impl World {
    /// `ms` of time with the Lua VM gone, then a reset (the end of the run if it comes first).
    pub fn lua_vm_exit(&mut self, ms: u64) {
        let until = self.clock.now().saturating_add(ms.saturating_mul(1_000)).min(self.end_at);
        self.run_until(until);
        if until >= self.end_at {
            self.request_halt(Halt::EndOfRun);
        }
        self.request_halt(Halt::Reboot { cause: "Lua VM exit".into() });
    }
}
