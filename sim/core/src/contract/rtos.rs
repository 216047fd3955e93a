//! The `rtos` module's constants: what `rtos.receive` returns first, and the timeout that
//! waits forever. `lua/sys.lua` reads them from the table by name on both sides.

/// What `rtos.version()` returns, on the simulator and the firmware alike.
pub const VERSION: &str = "LuaSys-1.0.0";

tag_set! {
    /// The integer fields of the `rtos` table, in the order they are set.
    constant: i64, key "rtos-constants", enum "rtos_constant", prefix "RTOS_", hex false,
    columns ["value", "field"] {
        /// `timeout` ms passed first.
        MSG_TIMEOUT = 0 => ["`rtos.MSG_TIMEOUT`"];
        /// A timer fired: `MSG_TIMER, id, repeat`.
        MSG_TIMER = 1 => ["`rtos.MSG_TIMER`"];
        /// A message the firmware posted for `sys.publish`: `MSG_PUBLISH, topic, args...`.
        MSG_PUBLISH = 2 => ["`rtos.MSG_PUBLISH`"];
        /// A firmware callback ran (so `sys.run` dispatches what it published).
        MSG_CALLBACK = 3 => ["`rtos.MSG_CALLBACK`"];
        /// `rtos.receive(INF_TIMEOUT)` waits forever.
        INF_TIMEOUT = -1 => ["`rtos.INF_TIMEOUT`"];
    }
}
