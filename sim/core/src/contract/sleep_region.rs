//! The sleep region's byte format v1 (`docs/sleep-region.md`): magic, version, header layout
//! and value tags. Simulator: `crate::world::sleep_region`; firmware: `firmware-shim/src/sleep_region.c`
//! and `rtc_module.c`.

pub const MAGIC: [u8; 4] = *b"LSR1";
pub const VERSION: u16 = 1;
/// Header bytes before the payload; they count against the region.
pub const HEADER_BYTES: usize = 16;
/// Version byte of the sleeping tasks' container (`TASKS` tag, `docs/sleepy-tasks.md`).
/// Simulator: `crate::runtime::sleepy`; firmware: `firmware-shim/src/sleepy.c`.
pub const TASKS_VERSION: u8 = 1;
/// Version byte of the container that carries the scripts' bytecode (`sleepy_embed_code`): each
/// script's record is followed by the length (4 bytes) and bytes of its `lua_dump`.
pub const TASKS_VERSION_EMBEDDED_CODE: u8 = 2;

layout! {
    /// The header, then the payload.
    header, key "region-header", prefix "LSR_AT_", columns ["field"] {
        MAGIC at 0 size 4 => ["magic `LSR1` (`4C 53 52 31`)"];
        VERSION at 4 size 2 => ["format version, `1`"];
        COUNT at 6 size 2 => ["number of entries (top-level keys)"];
        LEN at 8 size 4 => ["payload length N in bytes"];
        CRC at 12 size 4 => ["CRC-32 of the payload (IEEE 802.3 / zlib: reflected polynomial `0xEDB88320`, initial value and final XOR `0xFFFFFFFF`; `crc32(\"123456789\") = 0xCBF43926`)"];
    }
}

tag_set! {
    /// Value tags: each value starts with one of these bytes. Integers use the smallest width
    /// that holds them (`INT8` + n is 2^n bytes).
    tag: u8, key "region-tags", enum "lsr_tag", prefix "LSR_TAG_", hex true,
    columns ["tag", "value", "bytes after the tag"] {
        FALSE = 0x01 => ["false", "—"];
        TRUE = 0x02 => ["true", "—"];
        INT8 = 0x10 => ["integer in int8", "1"];
        INT16 = 0x11 => ["integer in int16", "2"];
        INT32 = 0x12 => ["integer in int32", "4"];
        INT64 = 0x13 => ["integer in int64", "8"];
        FLOAT64 = 0x20 => ["float (IEEE 754 double)", "8"];
        STR8 = 0x30 => ["string of fewer than 256 bytes", "length (1 byte), then the bytes"];
        STR16 = 0x31 => ["longer string", "length (2 bytes), then the bytes"];
        TABLE = 0x40 => ["table", "pair count (2 bytes), then each key then its value"];
        TASKS = 0x50 => ["the sleeping tasks' image (only after the last entry, `docs/sleepy-tasks.md`)", "length (4 bytes), then the bytes"];
    }
}
