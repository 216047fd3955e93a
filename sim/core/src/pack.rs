//! Scenario packing: the scenario as one binary blob the QEMU firmware (`firmware-shim/`) reads
//! from a fixed RAM address, so one firmware build serves every scenario.
//!
//! The format is documented in `docs/pack-format.md`, its numbers are `crate::contract::pack`;
//! the reader is `firmware-shim/src/pack.c`.
//! The blob carries what the device needs and nothing of the host: the profile fields the
//! firmware uses (tick rate, boot time, queue length, timer slots, Lua heap, watchdog budget,
//! naive reload, optional modules, sleep region), the start tick, duration and seed, the
//! configuration, the GNSS fix at power-on, every file of the flash, and the timed steps, every
//! kind of which the firmware plays. Each step also carries the text the simulator prints for it
//! (`inject`/`drop` lines), so the firmware need not reproduce Rust's string and float
//! formatting.

use crate::contract::pack::{arg_tag, header, section, value_tag};
use crate::contract::pack::{
    CRC_START, HEADER_LEN, MAGIC, SLEEP_FLAG_SLEEPY, SLEEP_FLAG_SLEEPY_EMBED_CODE, SLEEP_FLAG_VM_IN_REGION, VERSION,
};
use crate::scenario::Scenario;
use crate::time::Micros;
use crate::world::sleep_region::crc32;
use crate::world::{Action, Arg, Step};

/// A scenario the firmware cannot play: it needs what only the simulator has.
#[derive(Debug, thiserror::Error)]
#[error("{scenario} cannot be packed for the firmware: {why}")]
pub struct NotPackable {
    pub scenario: String,
    pub why: String,
}

/// Packs `scenario` into the blob format of `docs/pack-format.md`.
pub fn pack(scenario: &Scenario) -> Result<Vec<u8>, NotPackable> {
    if let Some(why) = scenario.simulator_only() {
        return Err(NotPackable { scenario: scenario.origin.clone(), why });
    }
    let p = &scenario.profile;
    let mut w = Writer { out: Vec::with_capacity(4096) };
    w.out.extend_from_slice(MAGIC);
    w.u32(VERSION);
    w.u32(0); // total length, patched below
    w.u32(0); // CRC-32, patched below
    w.u32(p.tick_hz);
    w.u32(saturate(p.queue_len as u64));
    w.u32(saturate(p.timer_slots as u64));
    w.u32(saturate(p.lua_heap_bytes as u64));
    w.u32(scenario.start_tick);
    w.u32(0); // flags, reserved
    w.u32(0); // reserved
    w.u64(p.boot_ms.saturating_mul(1_000));
    w.u64(scenario.duration);
    w.u64(scenario.seed);
    debug_assert_eq!(w.out.len(), HEADER_LEN);

    w.section(section::PROFILE_NAME, |w| w.bytes(p.name.as_bytes()));
    w.section(section::IP, |w| w.bytes(scenario.ip.as_bytes()));
    w.section(section::WATCHDOG, |w| {
        w.u64(p.watchdog_ms);
        w.u64(p.lua_instructions_per_ms);
    });
    w.section(section::SLEEP_REGION, |w| {
        w.u32(saturate(p.sleep_region_bytes as u64));
        let vm = if p.vm_in_sleep_region { SLEEP_FLAG_VM_IN_REGION } else { 0 };
        let sleepy = if p.sleepy { SLEEP_FLAG_SLEEPY } else { 0 };
        let embed = if p.sleepy_embed_code { SLEEP_FLAG_SLEEPY_EMBED_CODE } else { 0 };
        w.u32(vm | sleepy | embed);
    });
    w.section(section::CONFIG, |w| w.value(&scenario.config));
    w.section(section::BUILD, |w| {
        w.u32(u32::from(p.naive_reload));
        w.u32(p.modules.len() as u32);
        for module in &p.modules {
            w.bytes(module.as_bytes());
        }
    });
    if let Some(fix) = &scenario.gnss {
        w.section(section::GNSS, |w| w.value(fix));
    }
    for (path, bytes) in scenario.files.files() {
        w.section(section::FILE, |w| {
            w.bytes(path.as_bytes());
            w.bytes(bytes);
        });
    }
    for step in &scenario.steps {
        w.section(section::STEP, |w| w.step(step));
    }

    let total = w.out.len() as u32;
    w.out[header::TOTAL_LEN.range()].copy_from_slice(&total.to_le_bytes());
    let crc = crc32(&w.out[CRC_START..]);
    w.out[header::CRC.range()].copy_from_slice(&crc.to_le_bytes());
    Ok(w.out)
}

fn saturate(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The `inject` text the simulator prints for a step (sim/core/src/world/steps.rs).
fn describe(action: &Action) -> String {
    action.describe()
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    /// Tag, payload length, payload (written by `body`).
    fn section(&mut self, tag: u32, body: impl FnOnce(&mut Writer)) {
        self.u32(tag);
        let at = self.out.len();
        self.u32(0);
        body(self);
        let len = u32::try_from(self.out.len() - at - 4).expect("a section fits 4 GB");
        self.out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }

    /// Length, bytes, a NUL, zero padding to a multiple of four.
    fn bytes(&mut self, b: &[u8]) {
        self.u32(u32::try_from(b.len()).expect("a packed string fits 4 GB"));
        self.out.extend_from_slice(b);
        self.out.push(0);
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }

    /// Time, kind (`Action::kind`), text, then the kind's payload.
    fn step(&mut self, step: &Step) {
        self.u64(step.at as Micros);
        let kind = step.action.kind().expect("`pack` refuses scenarios with `set` steps (simulator_only)");
        self.u32(kind);
        self.bytes(describe(&step.action).as_bytes());
        self.payload(&step.action);
    }

    /// Writes what follows a step's text.
    fn payload(&mut self, action: &Action) {
        match action {
            Action::Publish { topic, args } => {
                self.bytes(topic.as_bytes());
                self.u32(args.len() as u32);
                for arg in args {
                    self.arg(arg);
                }
            }
            Action::Mqtt { topic, payload } => {
                self.bytes(topic.as_bytes());
                self.bytes(payload.as_bytes());
            }
            Action::Event { name, data } => {
                self.bytes(name.as_bytes());
                self.value(data);
            }
            // Nothing follows these; a `set` step never gets here (`step` refuses it).
            Action::Reload | Action::Brownout | Action::WatchdogReset | Action::Set { .. } => {}
            Action::Write { path, bytes } => {
                self.bytes(crate::vfs::normalize(path).as_bytes());
                self.bytes(bytes);
            }
            Action::Config { path, value } => {
                self.bytes(path.as_bytes());
                self.value(value);
            }
            Action::Gpio { pin } => {
                self.u32(*pin);
            }
            Action::PowerLoss { off_us, during_write } => {
                self.u64(*off_us);
                self.u32(u32::from(*during_write));
            }
            Action::Gnss { fix: Some(fix) } => {
                self.u32(1);
                self.value(fix);
            }
            Action::Gnss { fix: None } => {
                self.u32(0);
            }
            Action::ClockJump { by_us } => {
                self.u64(*by_us as u64);
            }
            Action::MqttDisconnect { down_us } => {
                self.u64(*down_us);
            }
        }
    }

    fn arg(&mut self, arg: &Arg) {
        match arg {
            Arg::Bool(b) => {
                self.u32(arg_tag::BOOL);
                self.u64(u64::from(*b));
            }
            Arg::Int(i) => {
                self.u32(arg_tag::INT);
                self.u64(*i as u64);
            }
            Arg::Float(f) => {
                self.u32(arg_tag::FLOAT);
                self.u64(f.to_bits());
            }
            Arg::Str(s) => {
                self.u32(arg_tag::STR);
                self.bytes(s.as_bytes());
            }
        }
    }

    /// A JSON value as the simulator hands it to Lua (`bindings::convert::json_to_lua`): a
    /// number that fits an i64 is an integer, any other number a float; object members in
    /// the map's (sorted) order.
    fn value(&mut self, v: &serde_json::Value) {
        use serde_json::Value as Json;
        match v {
            Json::Null => self.u32(value_tag::NULL),
            Json::Bool(b) => {
                self.u32(value_tag::BOOL);
                self.u32(u32::from(*b));
            }
            Json::Number(n) => match n.as_i64() {
                Some(i) => {
                    self.u32(value_tag::INT);
                    self.u64(i as u64);
                }
                None => {
                    self.u32(value_tag::FLOAT);
                    self.u64(n.as_f64().unwrap_or(f64::NAN).to_bits());
                }
            },
            Json::String(s) => {
                self.u32(value_tag::STR);
                self.bytes(s.as_bytes());
            }
            Json::Array(items) => {
                self.u32(value_tag::ARRAY);
                self.u32(items.len() as u32);
                for item in items {
                    self.value(item);
                }
            }
            Json::Object(map) => {
                self.u32(value_tag::OBJECT);
                self.u32(map.len() as u32);
                for (key, item) in map {
                    self.bytes(key.as_bytes());
                    self.value(item);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::pack::step_kind;
    use crate::scenario::Embedded;
    use std::path::Path;

    fn scenario(yaml: &str) -> Scenario {
        Scenario::parse(yaml, "test.yaml", Path::new(""), &Embedded(&[])).expect("test scenario parses")
    }

    /// A minimal reader, independent of the writer, walking the format as documented.
    struct Reader<'a> {
        b: &'a [u8],
        pos: usize,
    }

    impl<'a> Reader<'a> {
        fn u32(&mut self) -> u32 {
            let v = u32::from_le_bytes(self.b[self.pos..self.pos + 4].try_into().unwrap());
            self.pos += 4;
            v
        }
        fn u64(&mut self) -> u64 {
            let v = u64::from_le_bytes(self.b[self.pos..self.pos + 8].try_into().unwrap());
            self.pos += 8;
            v
        }
        fn bytes(&mut self) -> &'a [u8] {
            let n = self.u32() as usize;
            let s = &self.b[self.pos..self.pos + n];
            assert_eq!(self.b[self.pos + n], 0, "NUL after every string");
            self.pos += n + 1;
            while !self.pos.is_multiple_of(4) {
                assert_eq!(self.b[self.pos], 0, "zero padding");
                self.pos += 1;
            }
            s
        }
        fn section(&mut self) -> (u32, u32) {
            let (tag, len) = (self.u32(), self.u32());
            assert!(len.is_multiple_of(4), "section payloads keep four-byte alignment");
            (tag, len)
        }
        /// Steps over the next `n` sections.
        fn skip_sections(&mut self, n: usize) {
            for _ in 0..n {
                let (_, len) = self.section();
                self.pos += len as usize;
            }
        }
        fn str(&mut self) -> &'a str {
            std::str::from_utf8(self.bytes()).unwrap()
        }
    }

    const BLINK: &str = r#"
name: t
device: { profile: esp32, tick_hz: 1000 }
scripts: { main.lua: "print('hi')", rules.lua: "print(2)" }
seed: 7
duration: 2s
start_tick: 4294967000
steps:
  - { at: 1500ms, publish: [BUTTON, 1, 2.5, true, "x y"] }
  - { at: 250ms, mqtt: { topic: a/b, payload: hi } }
"#;

    #[test]
    fn header_carries_the_profile_and_run_fields() {
        let blob = pack(&scenario(BLINK)).expect("packable");
        let mut r = Reader { b: &blob, pos: 0 };
        assert_eq!(&blob[..8], MAGIC);
        r.pos = 8;
        assert_eq!(r.u32(), VERSION);
        assert_eq!(r.u32() as usize, blob.len());
        assert_eq!(r.u32(), crc32(&blob[CRC_START..]));
        assert_eq!(r.u32(), 1000, "tick_hz override");
        assert_eq!(r.u32(), 256, "queue_len");
        assert_eq!(r.u32(), 64, "timer_slots");
        assert_eq!(r.u32(), 131_072, "lua_heap_bytes of esp32");
        assert_eq!(r.u32(), 4_294_967_000, "start_tick");
        assert_eq!((r.u32(), r.u32()), (0, 0), "reserved");
        assert_eq!(r.u64(), 320_000, "boot_ms of esp32 in µs");
        assert_eq!(r.u64(), 2_000_000, "duration");
        assert_eq!(r.u64(), 7, "seed");
        assert_eq!(r.pos, HEADER_LEN);
        assert_eq!(r.section(), (section::PROFILE_NAME, 12));
        assert_eq!(r.str(), "esp32");
        assert_eq!(r.section(), (section::IP, 16));
        assert_eq!(r.str(), "192.168.4.2");
        assert_eq!(r.section(), (section::WATCHDOG, 16));
        assert_eq!((r.u64(), r.u64()), (5_000, 8_000), "watchdog_ms, lua_instructions_per_ms of esp32");
        assert_eq!(r.section(), (section::SLEEP_REGION, 8));
        assert_eq!((r.u32(), r.u32()), (16_384, 0), "sleep_region_bytes of esp32, no whole-VM mode");
        assert!(blob.len().is_multiple_of(4));
    }

    #[test]
    fn files_and_steps_in_order() {
        let blob = pack(&scenario(BLINK)).expect("packable");
        let mut r = Reader { b: &blob, pos: HEADER_LEN };
        r.skip_sections(4);
        assert_eq!(r.section(), (section::CONFIG, 8));
        assert_eq!((r.u32(), r.u32()), (value_tag::OBJECT, 0), "no configuration: an empty object");
        assert_eq!(r.section(), (section::BUILD, 8));
        assert_eq!((r.u32(), r.u32()), (0, 0), "no naive reload, no optional modules on esp32");
        assert_eq!(r.section(), (section::FILE, 24 + 12 + 4));
        assert_eq!((r.str(), r.str()), ("/scripts/main.lua", "print('hi')"));
        assert_eq!(r.section().0, section::FILE);
        assert_eq!((r.str(), r.str()), ("/scripts/rules.lua", "print(2)"));
        // Sorted by time: the MQTT step at 250 ms first, with its text, topic and payload.
        let (tag, len) = r.section();
        assert_eq!((tag, len as usize), (section::STEP, 8 + 4 + 16 + 8 + 8));
        assert_eq!(r.u64(), 250_000);
        assert_eq!(r.u32(), step_kind::MQTT);
        assert_eq!((r.str(), r.str(), r.str()), ("mqtt a/b hi", "a/b", "hi"));
        let end = {
            let (tag, len) = r.section();
            assert_eq!(tag, section::STEP);
            r.pos + len as usize
        };
        assert_eq!(r.u64(), 1_500_000);
        assert_eq!(r.u32(), step_kind::PUBLISH);
        assert_eq!(r.str(), r#"publish "BUTTON" 1 2.5 true "x y""#);
        assert_eq!(r.str(), "BUTTON");
        assert_eq!(r.u32(), 4);
        assert_eq!((r.u32(), r.u64()), (arg_tag::INT, 1));
        assert_eq!((r.u32(), f64::from_bits(r.u64())), (arg_tag::FLOAT, 2.5));
        assert_eq!((r.u32(), r.u64()), (arg_tag::BOOL, 1));
        assert_eq!((r.u32(), r.str()), (arg_tag::STR, "x y"));
        assert_eq!(r.pos, end, "the section length covers the step");
        assert_eq!(r.pos, blob.len(), "nothing after the last step");
    }

    #[test]
    fn mqtt_outages_carry_their_length() {
        let outage = BLINK.replace("mqtt: { topic: a/b, payload: hi }", "mqtt_disconnect: { for: 2s }");
        let blob = pack(&scenario(&outage)).expect("packable");
        let text = b"mqtt disconnected for 2.000000 s";
        let at = blob.windows(text.len()).position(|w| w == text).expect("the step's text") - 4 - 4 - 8;
        let mut r = Reader { b: &blob, pos: at };
        assert_eq!(
            (r.u64(), r.u32(), r.str(), r.u64()),
            (250_000, step_kind::MQTT_DISCONNECT, "mqtt disconnected for 2.000000 s", 2_000_000)
        );
    }

    #[test]
    fn config_and_event_data_are_typed_values() {
        let yaml = BLINK
            .replace("seed: 7", "seed: 7\nconfig: { a: { b: 1.5, c: [x, null] } }")
            .replace("mqtt: { topic: a/b, payload: hi }", "event: { name: e, data: { v: 18446744073709551615 } }");
        let blob = pack(&scenario(&yaml)).expect("packable");
        let mut r = Reader { b: &blob, pos: HEADER_LEN };
        r.skip_sections(4);
        assert_eq!(r.section().0, section::CONFIG);
        assert_eq!((r.u32(), r.u32(), r.str()), (value_tag::OBJECT, 1, "a"));
        assert_eq!((r.u32(), r.u32(), r.str()), (value_tag::OBJECT, 2, "b"));
        assert_eq!((r.u32(), f64::from_bits(r.u64())), (value_tag::FLOAT, 1.5));
        assert_eq!((r.str(), r.u32(), r.u32()), ("c", value_tag::ARRAY, 2));
        assert_eq!((r.u32(), r.str(), r.u32()), (value_tag::STR, "x", value_tag::NULL));
        let at = blob.windows(8).position(|w| w == b"\x01\0\0\0e\0\0\0").expect("event name") + 8;
        let mut r = Reader { b: &blob, pos: at };
        assert_eq!((r.u32(), r.u32(), r.str()), (value_tag::OBJECT, 1, "v"));
        assert_eq!((r.u32(), f64::from_bits(r.u64())), (value_tag::FLOAT, u64::MAX as f64), "beyond i64: a float");
    }

    #[test]
    fn sleep_and_power_steps_carry_their_fields() {
        let yaml = BLINK.replace(
            "  - { at: 250ms, mqtt: { topic: a/b, payload: hi } }",
            "  - { at: 100ms, gpio: 4 }\n  - { at: 200ms, brownout: true }\n  - { at: 300ms, power_loss: { off: 5s, during_write: true } }",
        );
        let s = scenario(&yaml);
        let blob = pack(&s).expect("packable");
        let mut r = Reader { b: &blob, pos: HEADER_LEN };
        r.skip_sections(8);
        assert_eq!(r.section().0, section::STEP);
        assert_eq!((r.u64(), r.u32(), r.str(), r.u32()), (100_000, step_kind::GPIO, "gpio 4", 4));
        assert_eq!(r.section().0, section::STEP);
        assert_eq!((r.u64(), r.u32(), r.str()), (200_000, step_kind::BROWNOUT, "brownout"));
        assert_eq!(r.section().0, section::STEP);
        assert_eq!(
            (r.u64(), r.u32(), r.str()),
            (300_000, step_kind::POWER_LOSS, "power loss armed for the next sleep-region write")
        );
        assert_eq!((r.u64(), r.u32()), (5_000_000, 1));
    }

    #[test]
    fn gnss_fix_and_steps_are_typed_values() {
        let yaml = BLINK.replace("seed: 7", "seed: 7\ngnss: { lat: 47.5, lon: 8 }").replace(
            "  - { at: 250ms, mqtt: { topic: a/b, payload: hi } }",
            "  - { at: 100ms, gnss: { lat: 1.25, lon: 2 } }\n  - { at: 200ms, gnss: lost }",
        );
        let s = scenario(&yaml);
        let blob = pack(&s).expect("packable");
        let mut r = Reader { b: &blob, pos: HEADER_LEN };
        r.skip_sections(6);
        assert_eq!(r.section().0, section::GNSS, "the initial fix follows the build section");
        assert_eq!((r.u32(), r.u32(), r.str()), (value_tag::OBJECT, 2, "lat"));
        assert_eq!((r.u32(), f64::from_bits(r.u64())), (value_tag::FLOAT, 47.5));
        assert_eq!((r.str(), r.u32(), r.u64()), ("lon", value_tag::INT, 8));
        r.skip_sections(2);
        assert_eq!(r.section().0, section::STEP);
        assert_eq!((r.u64(), r.u32(), r.str()), (100_000, step_kind::GNSS, r#"gnss {"lat":1.25,"lon":2}"#));
        assert_eq!((r.u32(), r.u32(), r.u32(), r.str()), (1, value_tag::OBJECT, 2, "lat"));
        assert_eq!((r.u32(), f64::from_bits(r.u64())), (value_tag::FLOAT, 1.25));
        assert_eq!((r.str(), r.u32(), r.u64()), ("lon", value_tag::INT, 2));
        assert_eq!(r.section().0, section::STEP);
        assert_eq!((r.u64(), r.u32(), r.str(), r.u32()), (200_000, step_kind::GNSS, "gnss lost", 0));
        let without = pack(&scenario(BLINK)).expect("packable");
        let mut r = Reader { b: &without, pos: HEADER_LEN };
        while r.pos < without.len() {
            let (tag, len) = r.section();
            assert_ne!(tag, section::GNSS, "no fix: no section");
            r.pos += len as usize;
        }
    }

    #[test]
    fn clock_jumps_and_watchdog_resets_are_played() {
        let yaml = BLINK.replace(
            "  - { at: 250ms, mqtt: { topic: a/b, payload: hi } }",
            "  - { at: 100ms, clock_jump: { by: -90s } }\n  - { at: 200ms, watchdog_reset: true }",
        );
        let s = scenario(&yaml);
        let blob = pack(&s).expect("packable");
        let mut r = Reader { b: &blob, pos: HEADER_LEN };
        r.skip_sections(8);
        assert_eq!(r.section().0, section::STEP);
        assert_eq!((r.u64(), r.u32(), r.str()), (100_000, step_kind::CLOCK_JUMP, "wall clock jumps -90.000000 s"));
        assert_eq!(r.u64() as i64, -90_000_000);
        assert_eq!(r.section(), (section::STEP, 8 + 4 + 24));
        assert_eq!((r.u64(), r.u32(), r.str()), (200_000, step_kind::WATCHDOG_RESET, "task watchdog reset"));
    }

    #[test]
    fn packing_is_deterministic_and_negative_ints_keep_their_bits() {
        let yaml = BLINK.replace("[BUTTON, 1,", "[BUTTON, -1,");
        let (a, b) = (pack(&scenario(&yaml)).expect("packable"), pack(&scenario(&yaml)).expect("packable"));
        assert_eq!(a, b);
        let at = a.windows(8).position(|w| w == (-1i64).to_le_bytes()).expect("-1 packed as 64-bit two's complement");
        assert_eq!(u32::from_le_bytes(a[at - 4..at].try_into().unwrap()), arg_tag::INT);
    }
}
