//! The packed scenario format (`docs/pack-format.md`): magic, version, header layout, section
//! tags, step kinds, publish argument tags and value tags. Writer: `crate::pack`; reader:
//! `firmware-shim/src/pack.c`.

/// First eight bytes of every blob.
pub const MAGIC: &[u8; 8] = b"LUASIMPK";
/// Format version; bumped on any incompatible change.
pub const VERSION: u32 = 1;
/// Bytes before the first variable-length record.
pub const HEADER_LEN: usize = 72;
/// Offset of the first byte the CRC covers (everything after the CRC field).
pub const CRC_START: usize = 20;
/// Bit 0 of the sleep-region section's flags: the whole VM is kept in the region.
pub const SLEEP_FLAG_VM_IN_REGION: u32 = 1;
/// Bit 1 of the sleep-region section's flags: sleepy tasks (`docs/sleepy-tasks.md`).
pub const SLEEP_FLAG_SLEEPY: u32 = 2;
/// Bit 2: the sleepy tasks' image carries the scripts' bytecode (`sleepy_embed_code`).
pub const SLEEP_FLAG_SLEEPY_EMBED_CODE: u32 = 4;

layout! {
    /// The fixed header. Sizes that do not fit 32 bits saturate at 2^32 − 1.
    header, key "pack-header", prefix "PACK_AT_", columns ["field", "notes"] {
        MAGIC at 0 size 8 => ["magic", "ASCII `LUASIMPK`"];
        VERSION at 8 size 4 => ["version", "`1`"];
        TOTAL_LEN at 12 size 4 => ["total length", "bytes, header included; a multiple of 4"];
        CRC at 16 size 4 => ["CRC-32", "IEEE 802.3 (zlib's `crc32`) of bytes 20 .. total length"];
        TICK_HZ at 20 size 4 => ["tick_hz", "the profile's FreeRTOS tick rate (1 ..= 1 000 000)"];
        QUEUE_LEN at 24 size 4 => ["queue_len", "rtos queue length (256 on every built-in profile)"];
        TIMER_SLOTS at 28 size 4 => ["timer_slots", "rtos timer pool size (64)"];
        LUA_HEAP_BYTES at 32 size 4 => ["lua_heap_bytes", "Lua heap cap, device bytes"];
        START_TICK at 36 size 4 => ["start_tick", "`configINITIAL_TICK_COUNT` of every boot"];
        FLAGS at 40 size 4 => ["flags", "reserved, 0"];
        RESERVED at 44 size 4 => ["reserved", "0"];
        BOOT_US at 48 size 8 => ["boot_us", "the profile's `boot_ms` × 1000: reset to the first line of `main.lua`"];
        DURATION_US at 56 size 8 => ["duration_us", "the run ends at this virtual time (µs since power-on)"];
        SEED at 64 size 8 => ["seed", "`math.randomseed` argument (as a 64-bit integer)"];
    }
}

tag_set! {
    /// Section tags. Every record after the header is a section: tag, payload length (a
    /// multiple of four), payload. Readers skip tags they do not know, so sections can be added
    /// without a version bump.
    section: u32, key "sections", enum "pack_section", prefix "PACK_SECTION_", hex false,
    columns ["tag", "section", "payload", "count"] {
        PROFILE_NAME = 1 => ["profile name", "string (`esp32`, printed on the `boot` line)", "exactly one"];
        FILE = 2 => ["file", "string device path (`/scripts/main.lua`), string contents", "one per file"];
        STEP = 3 => ["step", "see below", "one per step, sorted by time (ties in scenario order)"];
        IP = 4 => ["IP address", "string, `Node.ip()`; empty means nil", "at most one"];
        WATCHDOG = 5 => ["watchdog", "u64 `watchdog_ms`, u64 `lua_instructions_per_ms` (budget = their product; 0 = none)", "at most one"];
        CONFIG = 6 => ["configuration", "a value (below): the scenario's `config:` tree, what `Config.get` reads", "at most one"];
        BUILD = 7 => ["build", "u32 `naive_reload` (0/1), u32 module count, one string per optional module (`telegram`, `gnss`)", "at most one"];
        /// u32 size in bytes, u32 flags (`SLEEP_FLAG_VM_IN_REGION`, `SLEEP_FLAG_SLEEPY`,
        /// `SLEEP_FLAG_SLEEPY_EMBED_CODE`).
        SLEEP_REGION = 8 => ["sleep region", "u32 `sleep_region_bytes` (the profile's region size, header included), u32 flags (bit 0: `vm_in_sleep_region`, which the firmware does not support: it prints an `ERROR` line at power-on; bit 1: `sleepy`, tasks kept across deep sleep; bit 2: `sleepy_embed_code`, their image carries the scripts' bytecode)", "exactly one"];
        /// The GNSS fix at power-on (the scenario's `gnss:`): a value; absent without a fix.
        GNSS = 9 => ["GNSS fix", "a value (below): the scenario's `gnss:` fix at power-on, what `GNSS.lastFix` reads until a `gnss` step; absent: no fix", "at most one"];
    }
}

tag_set! {
    /// Step kinds: what follows a step's time, kind and text. The firmware rejects a blob with
    /// any other kind. To add one, see docs/ARCHITECTURE.md ("Contract").
    step_kind: u32, key "step-kinds", enum "pack_step_kind", prefix "PACK_STEP_", hex false,
    columns ["kind", "step", "continues with"] {
        PUBLISH = 1 => ["`publish: [TOPIC, args...]`", "string topic, u32 argument count, per argument its tag and value (below)"];
        /// A message from the broker.
        MQTT = 2 => ["`mqtt: { topic, payload }`", "string topic, string payload"];
        EVENT = 3 => ["`event: { name, data }`", "string event name, value data"];
        RELOAD = 4 => ["`reload: true`", "nothing"];
        WRITE = 5 => ["`write: { path, text }` (or `file`)", "string device path (normalized: `/scripts/x.lua`), string file contents"];
        /// One per value the scenario sets.
        CONFIG = 6 => ["`config: { path: value }`", "string dotted path, value"];
        GPIO = 7 => ["`gpio: PIN`", "u32 pin"];
        BROWNOUT = 8 => ["`brownout: true`", "nothing"];
        POWER_LOSS = 9 => ["`power_loss: { off, during_write }`", "u64 off time in µs, u32 `during_write` (0 or 1)"];
        GNSS = 10 => ["`gnss: FIX` or `gnss: lost`", "u32 1 and the new fix as a value, or u32 0 when the fix is lost"];
        /// The jump as an i64 (two's complement in a u64).
        CLOCK_JUMP = 11 => ["`clock_jump: { by }`", "the jump in µs as an i64 (negative: backwards)"];
        WATCHDOG_RESET = 12 => ["`watchdog_reset: true`", "nothing"];
        MQTT_DISCONNECT = 13 => ["`mqtt_disconnect: { for }`", "u64 outage length in µs"];
    }
}

tag_set! {
    /// Publish argument tags.
    arg_tag: u32, key "arg-tags", enum "pack_arg_tag", prefix "PACK_ARG_", hex false,
    columns ["tag", "argument", "then"] {
        BOOL = 1 => ["bool", "u64 0/1"];
        INT = 2 => ["integer", "i64"];
        FLOAT = 3 => ["float", "the f64's bits as u64"];
        STR = 4 => ["string", "a string"];
    }
}

tag_set! {
    /// JSON value tags (configuration, event data, GNSS fixes): a value is its tag, then its
    /// payload.
    value_tag: u32, key "value-tags", enum "pack_value_tag", prefix "PACK_VALUE_", hex false,
    columns ["tag", "value", "then"] {
        NULL = 0 => ["null", "nothing"];
        BOOL = 1 => ["bool", "u32 0/1"];
        INT = 2 => ["integer", "i64; a JSON number that fits i64"];
        FLOAT = 3 => ["float", "the f64's bits as u64; any other number"];
        STR = 4 => ["string", "a string"];
        ARRAY = 5 => ["array", "u32 count, that many values"];
        OBJECT = 6 => ["object", "u32 count, that many string key + value pairs, in the map's sorted key order"];
    }
}
