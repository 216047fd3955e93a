//! The scenario file format (v1) as serde types.
//!
//! Validation that needs more than a type happens in `TryFrom` conversions, so that serde_yaml
//! attaches the line and column of the offending node to every error. The same types derive the
//! format's JSON Schema (`schema.rs`): their doc comments are its descriptions.

use crate::expect::{
    After, ArgMatcher, Count, Expectation, FieldTest, Line, LineKind, Matcher, Measure, PowerAt, RegionAt, Target,
    PHASE_NAMES,
};
use crate::literal::json_literal;
use crate::profile::Profile;
use crate::time::{parse_duration, Micros};
use crate::world::{Action, Arg, Step};
use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A luasim scenario: a device build, its scripts, timed steps and expectations.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a scenario: a mapping with `name`, `device`, `scripts` and `duration`")]
#[schemars(title = "luasim scenario")]
pub struct ScenarioDoc {
    /// The scenario's name, shown in reports.
    pub name: String,
    /// One line saying what the scenario is for.
    #[serde(default)]
    pub about: Option<String>,
    /// The device build: a built-in profile name, or `{ profile: NAME, ... }` with fields overridden.
    /// In a project (`luasim.yaml`) it defaults to the project's `firmware:`.
    #[serde(default)]
    pub device: Option<DeviceDoc>,
    /// A folder mounted at `/scripts` (relative to this file; it holds `main.lua`), or a mapping of
    /// file names to inline Lua source. In a project it defaults to the project's `scripts:`.
    #[serde(default)]
    pub scripts: Option<ScriptsDoc>,
    /// Seed of `math.random` and of every other choice the simulation makes (default 0).
    #[serde(default)]
    pub seed: u64,
    /// How much virtual time the run covers (`10s`, `2h`, `365d`).
    pub duration: Duration,
    /// FreeRTOS `configINITIAL_TICK_COUNT`: start the tick counter here (e.g. near 2^32).
    #[serde(default)]
    pub start_tick: u32,
    /// Device configuration, read by `Config.get("a.b.c")`.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
    /// Optional firmware modules of this build, replacing the profile's list.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::module_list")]
    pub modules: Option<Vec<String>>,
    /// The GNSS fix at power-on (a table such as `{ lat: 47.1, lon: 8.2 }`).
    #[serde(default)]
    pub gnss: Option<serde_json::Value>,
    /// The station IP address `Node.ip()` returns; empty for none.
    #[serde(default)]
    pub ip: Option<String>,
    /// Wi-Fi on while awake: awake time is charged at the radio current.
    #[serde(default)]
    pub radio: bool,
    /// Battery capacity in mAh, for the battery-life estimate in the summary.
    #[serde(default)]
    pub battery_mah: Option<f64>,
    /// What functions of the project's own firmware modules return, by `Module.function`:
    /// `{ value: V }` every time, or `{ sequence: [V1, V2, ...] }` one per call (the last one
    /// repeats). A `set` step changes it while the run goes. Without an entry a call returns nothing.
    #[serde(default)]
    pub returns: BTreeMap<String, ReturnsDoc>,
    /// Most trace events the run may record before it is stopped as a runaway.
    #[serde(default)]
    #[schemars(range(min = 1), extend("default" = crate::world::MAX_EVENTS))]
    pub max_events: Option<u64>,
    /// What happens to the device, and when: each step has `at` and one action.
    #[serde(default, deserialize_with = "bounded_steps")]
    #[schemars(with = "Vec<StepFields>")]
    pub steps: Vec<StepDoc>,
    /// What the run must show; without an `error` or `no_errors` entry, no errors are expected.
    #[serde(default)]
    #[schemars(with = "Vec<ExpectFields>")]
    pub expect: Vec<ExpectDoc>,
    /// A fleet: several devices on one virtual clock sharing an in-simulation MQTT broker
    /// (`docs/fleets.md`). With it, `device`, `scripts`, `steps`, `expect` and the other
    /// per-device fields go in each device; a fleet is simulator only.
    #[serde(default)]
    pub devices: Vec<FleetDeviceDoc>,
    /// The fleet's broker (only with `devices:`).
    #[serde(default)]
    pub broker: Option<BrokerDoc>,
}

/// One device of a fleet (`devices:`): the fields a single-device scenario has for its device,
/// under a name. `duration` and `seed` are the fleet's.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a device of the fleet: a mapping with `name`, `device` and `scripts`")]
pub struct FleetDeviceDoc {
    /// The device's name: its column in the trace and its part of the summary (letters, digits,
    /// `_` and `-`, at most 12).
    #[schemars(regex(pattern = r"^[A-Za-z0-9_-]{1,12}$"))]
    pub name: String,
    /// The device build, as a scenario's `device:`.
    #[serde(default)]
    pub device: Option<DeviceDoc>,
    /// Its scripts, as a scenario's `scripts:` (a folder relative to the fleet's file, or inline files).
    #[serde(default)]
    pub scripts: Option<ScriptsDoc>,
    /// FreeRTOS `configINITIAL_TICK_COUNT` of this device.
    #[serde(default)]
    pub start_tick: u32,
    /// Its configuration, read by `Config.get("a.b.c")`.
    #[serde(default)]
    pub config: Option<serde_json::Value>,
    /// Optional firmware modules of its build, replacing the profile's list.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::module_list")]
    pub modules: Option<Vec<String>>,
    /// Its GNSS fix at power-on.
    #[serde(default)]
    pub gnss: Option<serde_json::Value>,
    /// The station IP address its `Node.ip()` returns.
    #[serde(default)]
    pub ip: Option<String>,
    /// Wi-Fi on while awake: awake time is charged at the radio current.
    #[serde(default)]
    pub radio: bool,
    /// Its battery capacity in mAh, for the battery-life estimate.
    #[serde(default)]
    pub battery_mah: Option<f64>,
    /// What functions of the project's own firmware modules return on this device.
    #[serde(default)]
    pub returns: BTreeMap<String, ReturnsDoc>,
    /// Most trace events this device may record.
    #[serde(default)]
    #[schemars(range(min = 1), extend("default" = crate::world::MAX_EVENTS))]
    pub max_events: Option<u64>,
    /// What happens to this device, and when, as a scenario's `steps:`.
    #[serde(default, deserialize_with = "bounded_steps")]
    #[schemars(with = "Vec<StepFields>")]
    pub steps: Vec<StepDoc>,
    /// What this device's part of the trace must show, as a scenario's `expect:`.
    #[serde(default)]
    #[schemars(with = "Vec<ExpectFields>")]
    pub expect: Vec<ExpectDoc>,
}

impl FleetDeviceDoc {
    /// The single-device scenario this device runs as, with the fleet's `duration` and a seed.
    pub fn into_scenario(self, duration: &Duration, seed: u64) -> ScenarioDoc {
        ScenarioDoc {
            name: self.name,
            about: None,
            device: self.device,
            scripts: self.scripts,
            seed,
            duration: Duration(duration.0),
            start_tick: self.start_tick,
            config: self.config,
            modules: self.modules,
            gnss: self.gnss,
            ip: self.ip,
            radio: self.radio,
            battery_mah: self.battery_mah,
            returns: self.returns,
            max_events: self.max_events,
            steps: self.steps,
            expect: self.expect,
            devices: Vec::new(),
            broker: None,
        }
    }
}

/// The fleet's in-simulation MQTT broker (QoS 0, no persistence).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BrokerDoc {
    /// How long a message takes from a publishing device to a subscribed one (default `1ms`;
    /// at least `1us`). The devices advance in lockstep windows of this length.
    #[serde(default)]
    pub latency: Option<Duration>,
    /// Retained messages the broker holds from the start, by topic: each new subscription whose
    /// filter matches gets them (`MQTT.publish` has no retain flag).
    #[serde(default)]
    pub retained: BTreeMap<String, String>,
}

/// A span of virtual time written with a unit (`250ms`, `2h`, `7d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub Micros);

/// Reads a duration: a string with a unit; numbers are refused with a hint.
struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a duration with a unit, such as `250ms`, `10s`, `2h` or `7d`")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_duration(v).map(Duration).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        Err(E::custom(format!("`{v}` has no unit; write e.g. `{v}ms` or `{v}s`")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        Err(E::custom(format!("`{v}` is not a duration: durations are positive and need a unit")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
        Err(E::custom(format!("`{v}` has no unit; write e.g. `{v}s`")))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DurationVisitor)
    }
}

/// `device: esp32` or `device: { profile: esp32, tick_hz: 1000, ... }`.
///
/// Deserialized by hand rather than as an untagged enum so that errors inside the mapping keep
/// their line and column.
#[derive(Debug, Clone)]
pub struct DeviceDoc(pub Profile);

impl<'de> Deserialize<'de> for DeviceDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DeviceDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a profile name (`esp32`) or a mapping `{ profile: esp32, tick_hz: 1000, ... }`")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<DeviceDoc, E> {
                built_in_profile(name).map(DeviceDoc).map_err(E::custom)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<DeviceDoc, A::Error> {
                let o = DeviceOverrides::deserialize(de::value::MapAccessDeserializer::new(map))?;
                o.apply().map(DeviceDoc).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Libraries a lean whole-VM state can open besides the base library.
pub const VM_LIBS: [&str; 5] = ["coroutine", "table", "string", "math", "utf8"];

/// Fields of a built-in profile a scenario may override.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DeviceOverrides {
    /// The built-in profile the other fields change.
    #[schemars(schema_with = "super::schema::profile_name")]
    profile: String,
    /// FreeRTOS `configTICK_RATE_HZ`, 1 to 10000.
    #[schemars(range(min = 1, max = 10_000))]
    tick_hz: Option<u32>,
    /// Length of the rtos message queue (at least 1).
    #[schemars(range(min = 1))]
    queue_len: Option<usize>,
    /// Software timers the `rtos` module may use at once (at least 1).
    #[schemars(range(min = 1))]
    timer_slots: Option<usize>,
    /// Bytes the Lua allocator may hand out before Lua sees "not enough memory".
    lua_heap_bytes: Option<usize>,
    /// Estimated Lua VM instructions per millisecond of CPU time.
    lua_instructions_per_ms: Option<u64>,
    /// Task watchdog period: Lua running longer than this without yielding is stopped.
    watchdog_ms: Option<u64>,
    /// Time from reset to the first line of `main.lua` (at least 1).
    #[schemars(range(min = 1))]
    boot_ms: Option<u64>,
    /// Optional firmware modules compiled into this build, replacing the profile's list.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::module_list")]
    modules: Option<Vec<String>>,
    /// Reproduce the buggy hot reload: old Lua states and their callbacks stay alive.
    naive_reload: Option<bool>,
    /// Keep the whole Lua VM in the sleep region (a lean firmware surface, survives deep sleep).
    vm_in_sleep_region: Option<bool>,
    /// Extra standard libraries of the lean whole-VM state.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::vm_lib_list")]
    vm_libs: Option<Vec<String>>,
    /// Bytes of RTC memory that survive deep sleep (the sleep region).
    sleep_region_bytes: Option<usize>,
    /// Sleepy tasks: `Node.deepSleep` in a sys task keeps every suspended task in the sleep
    /// region and resumes them after the wake (Lua 5.4 builds; docs/sleepy-tasks.md).
    sleepy: Option<bool>,
    /// With `sleepy`: write the scripts' bytecode into the tasks' image instead of naming them
    /// by path and CRC-32; a script changed between sleeps then does not invalidate the image,
    /// the tasks go on in the code they slept in (docs/sleepy-tasks.md, "Embedded code").
    sleepy_embed_code: Option<bool>,
}

fn built_in_profile(name: &str) -> Result<Profile, String> {
    Profile::built_in(name).ok_or_else(|| {
        let known: Vec<&str> = crate::profile::all_names().collect();
        format!("unknown device profile `{name}` (built in: {})", known.join(", "))
    })
}

/// Every name in `modules` is a build option some firmware module has: a misspelt one
/// (`telgram`) would otherwise leave the module out without a word.
pub(super) fn check_modules(modules: &[String]) -> Result<(), String> {
    let known = crate::bindings::build_options();
    match modules.iter().find(|m| !known.contains(&m.as_str())) {
        None => Ok(()),
        Some(bad) => {
            let near = crate::suggest::nearest(bad, known.iter().copied());
            let hint = near.map_or(String::new(), |(k, _)| crate::suggest::did_you_mean(k));
            Err(format!("unknown module `{bad}` in modules (known: {}){hint}", known.join(", ")))
        }
    }
}

impl DeviceOverrides {
    fn apply(self) -> Result<Profile, String> {
        let mut p = built_in_profile(&self.profile)?;
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field { p.$field = v; } )* };
        }
        set!(
            tick_hz,
            queue_len,
            timer_slots,
            lua_heap_bytes,
            lua_instructions_per_ms,
            watchdog_ms,
            boot_ms,
            modules,
            naive_reload,
            vm_in_sleep_region,
            vm_libs,
            sleep_region_bytes,
            sleepy,
            sleepy_embed_code
        );
        if p.sleepy_embed_code && !p.sleepy {
            return Err("sleepy_embed_code needs sleepy: true".into());
        }
        if p.sleepy && p.vm_in_sleep_region {
            return Err("sleepy tasks need a VM in main RAM (not vm_in_sleep_region)".into());
        }
        check_modules(&p.modules)?;
        if let Some(bad) = p.vm_libs.iter().find(|l| !VM_LIBS.contains(&l.as_str())) {
            return Err(format!("unknown library `{bad}` in vm_libs (known: {})", VM_LIBS.join(", ")));
        }
        if !(1..=10_000).contains(&p.tick_hz) {
            return Err(format!("tick_hz must be between 1 and 10000, not {}", p.tick_hz));
        }
        if p.queue_len == 0 || p.timer_slots == 0 {
            return Err("queue_len and timer_slots must be at least 1".into());
        }
        if p.boot_ms == 0 {
            return Err("boot_ms must be at least 1 (a reboot loop must let time pass)".into());
        }
        Ok(p)
    }
}

/// `scripts: ../lua/examples/blink` (a folder mounted at `/scripts`) or a mapping of file names
/// to inline Lua source.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ScriptsDoc {
    /// A folder, relative to the scenario file, mounted at `/scripts`.
    Folder(String),
    /// File names (`main.lua`, `lib/util.lua`) to Lua source.
    Inline(BTreeMap<String, String>),
}

/// What a user-module function returns: one value every time, or one per call.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::value_or_sequence)]
pub struct ReturnsDoc {
    /// The value every call returns (a table is a fresh table each call).
    #[serde(default, deserialize_with = "some_value")]
    pub value: Option<serde_json::Value>,
    /// One value per call, in order; after the last, the last repeats.
    #[serde(default)]
    pub sequence: Option<Vec<serde_json::Value>>,
}

/// `value: null` is a value (nil), not an absent key.
fn some_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

impl ReturnsDoc {
    /// The values in order (one for `value`), or why the entry is not one of the two forms.
    pub fn values(self) -> Result<(Vec<serde_json::Value>, bool), String> {
        match (self.value, self.sequence) {
            (Some(v), None) => Ok((vec![v], false)),
            (None, Some(seq)) if !seq.is_empty() => Ok((seq, true)),
            (None, Some(_)) => Err("`sequence` needs at least one value".into()),
            _ => Err("a `returns` entry has exactly one of `value` or `sequence`".into()),
        }
    }
}

/// One step as written: the steps it stands for (a `config` step may set several values),
/// for `write: { file: ... }` the file still to be read relative to the scenario, and how many
/// copies `repeat`/`every` ask for (expanded once the whole schedule is known to fit).
#[derive(Debug, Deserialize)]
#[serde(try_from = "StepFields")]
pub struct StepDoc {
    pub steps: Vec<Step>,
    pub read_file: Option<String>,
    pub repeat: u64,
    pub every: Micros,
}

/// One step: `at` and exactly one action, optionally repeated.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::one_action)]
pub(super) struct StepFields {
    /// When the step happens, from power-on.
    at: Duration,
    /// Do the step this many times (a flood, a train of events), `every` apart.
    #[schemars(range(min = 1, max = MAX_REPEAT))]
    repeat: Option<u64>,
    /// With `repeat`: the time between copies (default 0: all at the same instant).
    every: Option<Duration>,
    /// `publish: [TOPIC, arg, ...]`: a `sys` message posted through the rtos queue.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::publish_list")]
    publish: Option<Vec<serde_yaml::Value>>,
    /// An incoming MQTT message.
    mqtt: Option<MqttStep>,
    /// A firmware event with its data table.
    event: Option<EventStep>,
    /// `reload: true`: hot-reload the scripts.
    reload: Option<bool>,
    /// Replace a file on the device's flash.
    write: Option<WriteStep>,
    /// `config: { a.b.c: value, ... }`: change configuration values.
    config: Option<BTreeMap<String, serde_json::Value>>,
    /// A new GNSS fix, or `lost`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::gnss_step")]
    gnss: Option<serde_json::Value>,
    /// `gpio: PIN`: an edge on a pin; wakes the device from sleep.
    gpio: Option<u32>,
    /// `brownout: true`: the supply sags, the chip resets, the sleep region is lost.
    brownout: Option<bool>,
    /// `power_loss: { off: 2s, during_write: false }`: the supply goes away.
    power_loss: Option<PowerLossStep>,
    /// `mqtt_disconnect: { for: 30s }`: the broker connection is down for a while.
    mqtt_disconnect: Option<MqttDisconnectStep>,
    /// `watchdog_reset: true`: the task watchdog resets the chip.
    watchdog_reset: Option<bool>,
    /// `clock_jump: { by: 1h }` (or `-1h`): the wall clock `os.time()` reads jumps; ticks do not.
    clock_jump: Option<ClockJumpStep>,
    /// `set: { call: BME280.read, returns: { t: 21.5 } }`: from now on a function of the
    /// project's own modules returns this (simulator only: such a scenario is not packed).
    set: Option<SetStep>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SetStep {
    /// The function, as `Module.function`.
    call: String,
    /// What it returns from now on.
    returns: serde_json::Value,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MqttDisconnectStep {
    /// How long the broker connection stays down.
    #[serde(rename = "for")]
    down: Duration,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ClockJumpStep {
    /// How far the wall clock jumps: a duration, negative (`-1h`) to go back.
    #[schemars(schema_with = "super::schema::signed_duration")]
    by: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PowerLossStep {
    /// How long the supply stays off (default 0).
    #[serde(default)]
    off: Option<Duration>,
    /// Cut the power in the middle of the next sleep-region write (a torn write).
    #[serde(default)]
    during_write: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct MqttStep {
    /// The topic the message arrives on.
    topic: String,
    /// Its payload (default empty).
    #[serde(default)]
    payload: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct EventStep {
    /// The event's name (`sensor.temperature`), as `EventBus.subscribe` takes it.
    name: String,
    /// The data table the callback gets.
    #[serde(default)]
    data: serde_json::Value,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::text_or_file)]
struct WriteStep {
    /// The file on the device (`/scripts/rules.lua`).
    path: String,
    /// The new contents.
    text: Option<String>,
    /// A host file, relative to the scenario, holding the new contents.
    file: Option<String>,
}

const STEP_ACTIONS: &str = "`publish`, `mqtt`, `event`, `reload`, `write`, `config`, `gnss`, `gpio`, `brownout`, \
     `power_loss`, `mqtt_disconnect`, `watchdog_reset`, `clock_jump` or `set`";

fn to_arg(v: serde_yaml::Value) -> Result<Arg, String> {
    use serde_yaml::Value as Y;
    match v {
        Y::Bool(b) => Ok(Arg::Bool(b)),
        Y::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Arg::Int(i)),
            (None, Some(f)) => Ok(Arg::Float(f)),
            _ => Err(format!("number {n} does not fit a Lua number")),
        },
        Y::String(s) => Ok(Arg::Str(s)),
        other => Err(format!("message arguments are strings, numbers or booleans, not {other:?}")),
    }
}

fn publish_action(list: Vec<serde_yaml::Value>) -> Result<Action, String> {
    let mut args = list.into_iter().map(to_arg);
    let topic = match args.next() {
        Some(Ok(Arg::Str(topic))) => topic,
        Some(Err(e)) => return Err(e),
        _ => return Err("`publish` needs a topic string first: `publish: [TOPIC, args...]`".into()),
    };
    Ok(Action::Publish { topic, args: args.collect::<Result<Vec<_>, _>>()? })
}

/// Most copies one step may expand to.
const MAX_REPEAT: u64 = 1_000_000;

impl TryFrom<StepFields> for StepDoc {
    type Error = String;
    fn try_from(mut f: StepFields) -> Result<StepDoc, String> {
        let (repeat, every) = (f.repeat.take().unwrap_or(1), f.every.take().map_or(0, |d| d.0));
        if !(1..=MAX_REPEAT).contains(&repeat) {
            return Err(format!("`repeat` must be between 1 and {MAX_REPEAT}, not {repeat}"));
        }
        Ok(StepDoc { repeat, every, ..single_step(f)? })
    }
}

/// Most dotted parts in a `config` step's key (`a.b.c` has 3). Each part is one level of
/// nesting in the configuration, which is walked recursively when it is converted, printed or
/// dropped; with serde_yaml's 128 levels for the value this keeps every walk far from the
/// stack's end.
pub const MAX_CONFIG_KEY_PARTS: usize = 32;

/// Most steps a scenario's schedule may hold once `repeat` is expanded.
pub const MAX_STEPS: u64 = 1_000_000;

/// The `steps` list, refused at the step that takes the schedule past `MAX_STEPS` (with
/// `repeat` counted), while it is being read rather than once all of it is in memory.
fn bounded_steps<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<StepDoc>, D::Error> {
    /// One step, counted into the schedule's total as it is read. The count is checked inside
    /// the step's own mapping so that serde_yaml gives the error that step's line and column.
    struct Counted<'a>(&'a mut u64);
    impl<'de> de::DeserializeSeed<'de> for Counted<'_> {
        type Value = StepDoc;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<StepDoc, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Counted<'_> {
        type Value = StepDoc;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a step: a mapping with `at` and one action")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<StepDoc, A::Error> {
            let step = StepDoc::deserialize(de::value::MapAccessDeserializer::new(map))?;
            *self.0 = self.0.saturating_add((step.steps.len() as u64).saturating_mul(step.repeat));
            if *self.0 > MAX_STEPS {
                return Err(de::Error::custom(format!(
                    "with `repeat` the schedule holds {} steps so far; a scenario holds at most {MAX_STEPS} steps",
                    self.0
                )));
            }
            Ok(step)
        }
    }
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<StepDoc>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of steps")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<StepDoc>, A::Error> {
            let (mut steps, mut total) = (Vec::new(), 0u64);
            while let Some(step) = seq.next_element_seed(Counted(&mut total))? {
                steps.push(step);
            }
            Ok(steps)
        }
    }
    d.deserialize_seq(V)
}

/// `1h` or `-1h` in microseconds.
fn signed_duration(text: &str) -> Result<i64, String> {
    let (sign, magnitude) = match text.trim().strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    // `parse_duration` allows at most `u64::MAX / 2`, which fits an `i64`.
    Ok(sign * parse_duration(magnitude).map_err(|e| e.to_string())? as i64)
}

fn single_step(f: StepFields) -> Result<StepDoc, String> {
    let given = [
        f.publish.is_some(),
        f.mqtt.is_some(),
        f.event.is_some(),
        f.reload.is_some(),
        f.write.is_some(),
        f.config.is_some(),
        f.gnss.is_some(),
        f.gpio.is_some(),
        f.brownout.is_some(),
        f.power_loss.is_some(),
        f.mqtt_disconnect.is_some(),
        f.watchdog_reset.is_some(),
        f.clock_jump.is_some(),
        f.set.is_some(),
    ];
    match given.iter().filter(|g| **g).count() {
        0 => return Err(format!("a step needs an action: {STEP_ACTIONS}")),
        1 => {}
        _ => return Err(format!("a step has one action; split {STEP_ACTIONS} into separate steps")),
    }
    let at = f.at.0;
    let one = |action: Action| Ok(StepDoc { steps: vec![Step { at, action }], read_file: None, repeat: 1, every: 0 });
    if let Some(list) = f.publish {
        one(publish_action(list)?)
    } else if let Some(m) = f.mqtt {
        one(Action::Mqtt { topic: m.topic, payload: m.payload })
    } else if let Some(e) = f.event {
        one(Action::Event { name: e.name, data: e.data })
    } else if let Some(reload) = f.reload {
        if !reload {
            return Err("`reload: false` does nothing; remove the step".into());
        }
        one(Action::Reload)
    } else if let Some(w) = f.write {
        match (w.text, w.file) {
            (Some(text), None) => one(Action::Write { path: w.path, bytes: text.into_bytes() }),
            (None, Some(file)) => Ok(StepDoc {
                steps: vec![Step { at, action: Action::Write { path: w.path, bytes: Vec::new() } }],
                read_file: Some(file),
                repeat: 1,
                every: 0,
            }),
            _ => Err("`write` takes `path` and exactly one of `text` or `file`".into()),
        }
    } else if let Some(pin) = f.gpio {
        one(Action::Gpio { pin })
    } else if let Some(b) = f.brownout {
        if !b {
            return Err("`brownout: false` does nothing; remove the step".into());
        }
        one(Action::Brownout)
    } else if let Some(p) = f.power_loss {
        one(Action::PowerLoss { off_us: p.off.map_or(0, |d| d.0), during_write: p.during_write })
    } else if let Some(m) = f.mqtt_disconnect {
        one(Action::MqttDisconnect { down_us: m.down.0 })
    } else if let Some(reset) = f.watchdog_reset {
        if !reset {
            return Err("`watchdog_reset: false` does nothing; remove the step".into());
        }
        one(Action::WatchdogReset)
    } else if let Some(jump) = f.clock_jump {
        one(Action::ClockJump { by_us: signed_duration(&jump.by)? })
    } else if let Some(set) = f.set {
        one(Action::Set { call: set.call, value: set.returns })
    } else if let Some(values) = f.config {
        if let Some(deep) = values.keys().find(|path| path.split('.').count() > MAX_CONFIG_KEY_PARTS) {
            return Err(format!(
                "config key `{}...` has {} dotted parts; a key has at most {MAX_CONFIG_KEY_PARTS}",
                deep.chars().take(40).collect::<String>(),
                deep.split('.').count()
            ));
        }
        let steps =
            values.into_iter().map(|(path, value)| Step { at, action: Action::Config { path, value } }).collect();
        Ok(StepDoc { steps, read_file: None, repeat: 1, every: 0 })
    } else {
        match f.gnss.expect("one action is given") {
            serde_json::Value::String(s) if s == "lost" => one(Action::Gnss { fix: None }),
            fix @ serde_json::Value::Object(_) => one(Action::Gnss { fix: Some(fix) }),
            _ => Err("`gnss` takes a fix table such as `{ lat: 47.1, lon: 8.2 }`, or `lost`".into()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(try_from = "ExpectFields")]
pub struct ExpectDoc(pub Vec<Expectation>);

/// `"text"` (a substring) or `{ regex: "..." }`.
#[derive(Debug, Clone)]
pub(super) struct MatcherDoc(Matcher);

impl<'de> Deserialize<'de> for MatcherDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MatcherDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text to find, or `{ regex: \"...\" }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MatcherDoc, E> {
                Ok(MatcherDoc(Matcher::Substring(v.to_string())))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<MatcherDoc, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct RegexDoc {
                    regex: String,
                }
                let r = RegexDoc::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let re = regex::Regex::new(&r.regex)
                    .map_err(|e| de::Error::custom(format!("bad regular expression: {e}")))?;
                Ok(MatcherDoc(Matcher::Regex(re)))
            }
        }
        d.deserialize_any(V)
    }
}

/// One argument of an expected call: a value it equals, or `{ regex: "..." }`.
#[derive(Debug, Clone)]
pub(super) struct ArgDoc(ArgMatcher);

impl<'de> Deserialize<'de> for ArgDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        if let serde_json::Value::Object(map) = &value {
            if let (1, Some(serde_json::Value::String(re))) = (map.len(), map.get("regex")) {
                let re =
                    regex::Regex::new(re).map_err(|e| de::Error::custom(format!("bad regular expression: {e}")))?;
                return Ok(ArgDoc(ArgMatcher::Regex(re)));
            }
        }
        Ok(ArgDoc(ArgMatcher::Equals(crate::literal::json_literal(&value))))
    }
}

/// One expectation: exactly one of `log`, `mqtt`, `telegram`, `call`, `never`, `error`, `no_errors`,
/// `boots`, `max`, `sequence`, `power`, and for the matching ones how often and when.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::one_target)]
pub(super) struct ExpectFields {
    /// Log lines (`I/user.tag text`, `I/lua text`, print's text).
    log: Option<MatcherDoc>,
    /// Outgoing MQTT publishes, as `topic payload` (with `json`: the topic alone).
    mqtt: Option<MatcherDoc>,
    /// Telegram messages, as `chat: text` or `broadcast: text`.
    telegram: Option<MatcherDoc>,
    /// Calls of a function of the project's own modules (`Display.draw`).
    call: Option<String>,
    /// With `call`: what the arguments must be, one entry per argument from the first (those
    /// after the list are not looked at): a value (`"21.5 C"`, `3`, `true`) equal to it, or
    /// `{ regex: "..." }` matching the argument as the trace prints it (strings in quotes).
    args: Option<Vec<ArgDoc>>,
    /// No log line containing this text.
    never: Option<MatcherDoc>,
    /// No error events or error-level log lines.
    no_errors: Option<bool>,
    /// `boots: N`: exactly N boots (power-on, resets and wakes from deep sleep).
    boots: Option<u64>,
    /// `max: { heap_bytes: 60000, region_bytes: 2000, mah_per_day: 1.5, timers: 8, queue: 4, drops: 0 }`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::measures")]
    max: Option<BTreeMap<String, f64>>,
    /// Error events or error-level log lines (expected errors; this turns off the default
    /// "no errors").
    error: Option<MatcherDoc>,
    /// Lines that must come in this order, each after the one before, within the window:
    /// `[{ log: "heater ON" }, { mqtt: "boiler1/alert" }]`.
    sequence: Option<Vec<LineDoc>>,
    /// The device's power phase `at` a moment: `booting`, `awake`, `light_sleep` or `deep_sleep`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::power_phases")]
    power: Option<String>,
    /// With `power` or `region`: the moment.
    at: Option<Duration>,
    /// At most this charge in mAh drawn from the battery within the window (`within: [from,
    /// until]`; the whole run without one), as the energy model counts it at the window's ends.
    charge: Option<f64>,
    /// The sleep region's entries `at` a moment, as a boot then would read them: `{ boots: 3,
    /// name: "kitchen" }`; `3` and `3.0` differ (integer, float); `null` means absent.
    region: Option<serde_json::Map<String, serde_json::Value>>,
    /// With `mqtt`: tests on the JSON payload, by dotted path (`readings.0`): a value the field
    /// equals, or comparisons `{ gt: 80, le: 120 }` (`eq`, `ne`, `gt`, `ge`, `lt`, `le`).
    json: Option<serde_json::Map<String, serde_json::Value>>,
    /// With `log`, `mqtt`, `telegram` or `error`: every line matching this must be answered by one
    /// matching the expectation within the duration `within` gives (`within: 2s`).
    after: Option<LineDoc>,
    /// Exactly this many matches (not with `at_least`/`at_most`).
    count: Option<u64>,
    /// At least this many matches (default 1).
    at_least: Option<u64>,
    /// At most this many matches.
    at_most: Option<u64>,
    /// `[from, until]`, inclusive; with `after`, one duration: how soon the answer must come.
    within: Option<WithinDoc>,
}

/// `within: [from, until]`, or with `after` one duration.
#[derive(Debug, Clone, Copy)]
pub(super) enum WithinDoc {
    Window(Duration, Duration),
    Span(Duration),
}

impl<'de> Deserialize<'de> for WithinDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// A sequence is a window; anything else is read as one duration, with its messages.
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WithinDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`[from, until]` (two durations), or with `after` one duration such as `2s`")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<WithinDoc, A::Error> {
                let [a, b] = <[Duration; 2]>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(WithinDoc::Window(a, b))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WithinDoc, E> {
                DurationVisitor.visit_str(v).map(WithinDoc::Span)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WithinDoc, E> {
                DurationVisitor.visit_u64(v).map(WithinDoc::Span)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WithinDoc, E> {
                DurationVisitor.visit_i64(v).map(WithinDoc::Span)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<WithinDoc, E> {
                DurationVisitor.visit_f64(v).map(WithinDoc::Span)
            }
        }
        d.deserialize_any(V)
    }
}

/// One line of a `sequence` or an `after`: exactly one of `log`, `mqtt`, `telegram`, `error`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, try_from = "LineFields")]
#[schemars(with = "LineFields")]
pub(super) struct LineDoc(Line);

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::one_line_kind)]
struct LineFields {
    /// A log line.
    log: Option<MatcherDoc>,
    /// An outgoing MQTT publish, as `topic payload`.
    mqtt: Option<MatcherDoc>,
    /// A Telegram message, as `chat: text`.
    telegram: Option<MatcherDoc>,
    /// An error event or error-level log line.
    error: Option<MatcherDoc>,
}

impl TryFrom<LineFields> for LineDoc {
    type Error = String;
    fn try_from(f: LineFields) -> Result<LineDoc, String> {
        let kinds = [
            (LineKind::Log, f.log),
            (LineKind::Mqtt, f.mqtt),
            (LineKind::Telegram, f.telegram),
            (LineKind::Error, f.error),
        ];
        let mut given = kinds.into_iter().filter_map(|(kind, m)| m.map(|m| Line { kind, matcher: m.0 }));
        match (given.next(), given.next()) {
            (Some(line), None) => Ok(LineDoc(line)),
            _ => Err("a line has exactly one of `log`, `mqtt`, `telegram`, `error`".into()),
        }
    }
}

/// The kinds judged on samples of the device (`charge`, `region`): met or not, no counts.
fn sampled(f: ExpectFields) -> Result<Expectation, String> {
    if f.count.is_some() || f.at_least.is_some() || f.at_most.is_some() || f.after.is_some() || f.json.is_some() {
        return Err(
            "`charge` and `region` are met or not: they take no `count`, `at_least`, `at_most`, `after` or `json`"
                .into(),
        );
    }
    let met = Count { min: 1, max: 1 };
    if let Some(max_mah) = f.charge {
        if !(max_mah.is_finite() && max_mah >= 0.0) {
            return Err(format!("`charge` is a budget in mAh, zero or more (got {max_mah})"));
        }
        if f.at.is_some() {
            return Err("`charge` is drawn over a window: `within: [from, until]`, not `at`".into());
        }
        let (from, until) = match f.within {
            None => (0, Micros::MAX),
            Some(WithinDoc::Window(a, b)) if a.0 <= b.0 => (a.0, b.0),
            Some(WithinDoc::Window(..)) => return Err("`within: [from, until]` needs from <= until".into()),
            Some(WithinDoc::Span(_)) => return Err("`charge` takes a window `within: [from, until]`".into()),
        };
        return Ok(Expectation { target: Target::Charge { max_mah }, count: met, from, until, implicit: false });
    }
    let (Some(values), Some(at)) = (f.region, f.at) else {
        return Err("`region` is judged `at` one moment: `region: { boots: 3 }` with `at: 10m`".into());
    };
    if f.within.is_some() {
        return Err("`region` is judged `at` one moment; it takes no `within`".into());
    }
    if values.is_empty() {
        return Err("`region` names at least one key".into());
    }
    let values = values.iter().map(|(k, v)| (k.clone(), json_literal(v))).collect();
    let target = Target::Region(RegionAt { at: at.0, values });
    Ok(Expectation { target, count: met, from: 0, until: Micros::MAX, implicit: false })
}

impl TryFrom<ExpectFields> for ExpectDoc {
    type Error = String;
    fn try_from(f: ExpectFields) -> Result<ExpectDoc, String> {
        let chosen = [
            f.log.is_some(),
            f.mqtt.is_some(),
            f.telegram.is_some(),
            f.call.is_some(),
            f.never.is_some(),
            f.error.is_some(),
            f.no_errors.is_some(),
            f.boots.is_some(),
            f.max.is_some(),
            f.sequence.is_some(),
            f.power.is_some(),
            f.charge.is_some(),
            f.region.is_some(),
        ];
        if chosen.iter().filter(|c| **c).count() != 1 {
            return Err("an expectation has exactly one of `log`, `mqtt`, `telegram`, `call`, `never`, `error`, \
                 `no_errors`, `boots`, `max`, `sequence`, `power`, `charge`, `region`"
                .into());
        }
        if f.charge.is_some() || f.region.is_some() {
            return sampled(f).map(|e| ExpectDoc(vec![e]));
        }
        if f.args.is_some() && f.call.is_none() {
            return Err("`args` matches the arguments of a `call` expectation".into());
        }
        if f.json.is_some() && f.mqtt.is_none() {
            return Err("`json` tests an MQTT payload: it goes with `mqtt`".into());
        }
        if f.after.is_some() && !(f.log.is_some() || f.mqtt.is_some() || f.telegram.is_some() || f.error.is_some()) {
            return Err("`after` goes with `log`, `mqtt`, `telegram` or `error`: the line that must answer".into());
        }
        if f.json.is_some() && f.after.is_some() {
            return Err("`json` and `after` do not go together yet: an answer is a line (`mqtt: ...`)".into());
        }
        if f.at.is_some() != f.power.is_some() {
            return Err(
                "`at` goes with `power` or `region`, and `power` with `at`: `power: deep_sleep` with `at: 90s`".into(),
            );
        }
        let counted_kind = f.sequence.is_none() && f.power.is_none();
        if !counted_kind && (f.count.is_some() || f.at_least.is_some() || f.at_most.is_some()) {
            return Err("`sequence` and `power` are met or not: they take no `count`, `at_least` or `at_most`".into());
        }
        let whole = (0, Micros::MAX);
        if let (Some(phase), Some(at)) = (&f.power, f.at) {
            let Some((_, phase)) = PHASE_NAMES.iter().find(|(n, _)| n == phase) else {
                let known: Vec<&str> = PHASE_NAMES.iter().map(|(n, _)| *n).collect();
                return Err(format!("unknown power phase `{phase}` (known: {})", known.join(", ")));
            };
            if f.within.is_some() {
                return Err("`power` is judged `at` one moment; it takes no `within`".into());
            }
            let target = Target::Power(PowerAt { at: at.0, phase: *phase });
            let (from, until) = whole;
            return Ok(ExpectDoc(vec![Expectation {
                target,
                count: Count { min: 1, max: 1 },
                from,
                until,
                implicit: false,
            }]));
        }
        let measure = |what: Measure, min: f64, max: f64| Expectation {
            target: Target::Measure { what, min, max },
            count: Count { min: 0, max: 0 },
            from: 0,
            until: Micros::MAX,
            implicit: false,
        };
        if let Some(n) = f.boots {
            return Ok(ExpectDoc(vec![measure(Measure::Boots, n as f64, n as f64)]));
        }
        if let Some(bounds) = f.max {
            let mut out = Vec::new();
            for (name, max) in bounds {
                let Some((_, what)) = Measure::NAMES.iter().find(|(n, _)| *n == name) else {
                    let known: Vec<&str> = Measure::NAMES.iter().map(|(n, _)| *n).collect();
                    return Err(format!("unknown measure `{name}` in `max` (known: {})", known.join(", ")));
                };
                out.push(measure(*what, f64::NEG_INFINITY, max));
            }
            return Ok(ExpectDoc(out));
        }
        let counted = || -> Result<Count, String> {
            match (f.count, f.at_least, f.at_most) {
                (Some(n), None, None) => Ok(Count { min: n, max: n }),
                (Some(_), _, _) => Err("`count` cannot be combined with `at_least`/`at_most`".into()),
                (None, None, None) => Ok(Count { min: 1, max: u64::MAX }),
                (None, lo, hi) => Ok(Count { min: lo.unwrap_or(0), max: hi.unwrap_or(u64::MAX) }),
            }
        };
        let never = Count { min: 0, max: 0 };
        let (from, until) = match (f.within, &f.after) {
            (Some(WithinDoc::Window(a, b)), None) if a.0 > b.0 => {
                return Err("`within: [from, until]` needs from <= until".into())
            }
            (Some(WithinDoc::Window(a, b)), None) => (a.0, b.0),
            (Some(WithinDoc::Span(_)), None) => {
                return Err("`within` is a window `[from, until]`; one duration goes with `after`".into())
            }
            (Some(WithinDoc::Window(..)), Some(_)) => {
                return Err("with `after`, `within` is how soon the answer must come: one duration such as `2s`".into())
            }
            (Some(WithinDoc::Span(_)) | None, Some(_)) | (None, None) => whole,
        };
        if let Some(items) = f.sequence {
            if items.len() < 2 {
                return Err("a `sequence` lists at least two lines".into());
            }
            let target = Target::Sequence(items.into_iter().map(|l| l.0).collect());
            return Ok(ExpectDoc(vec![Expectation {
                target,
                count: Count { min: 1, max: 1 },
                from,
                until,
                implicit: false,
            }]));
        }
        if let (Some(topic), Some(fields)) = (&f.mqtt, &f.json) {
            let fields = FieldTest::parse(fields)?;
            let target = Target::MqttJson { topic: topic.0.clone(), fields };
            return Ok(ExpectDoc(vec![Expectation { target, count: counted()?, from, until, implicit: false }]));
        }
        if let (Some(trigger), Some(WithinDoc::Span(within))) = (&f.after, f.within) {
            let then = [
                (LineKind::Log, &f.log),
                (LineKind::Mqtt, &f.mqtt),
                (LineKind::Telegram, &f.telegram),
                (LineKind::Error, &f.error),
            ]
            .into_iter()
            .find_map(|(kind, m)| m.as_ref().map(|m| Line { kind, matcher: m.0.clone() }))
            .expect("checked above: one of them is given");
            let target = Target::Answer { then, after: After { trigger: trigger.0.clone(), within: within.0 } };
            return Ok(ExpectDoc(vec![Expectation { target, count: counted()?, from, until, implicit: false }]));
        }
        if f.after.is_some() {
            return Err("`after` needs `within`: how soon the answer must come (`within: 2s`)".into());
        }
        let (target, count) = if let Some(m) = f.log {
            (Target::Log(m.0), counted()?)
        } else if let Some(m) = f.mqtt {
            (Target::Mqtt(m.0), counted()?)
        } else if let Some(m) = f.telegram {
            (Target::Telegram(m.0), counted()?)
        } else if let Some(function) = f.call {
            let args = f.args.unwrap_or_default().into_iter().map(|a| a.0).collect();
            (Target::Call { function, args }, counted()?)
        } else if let Some(m) = f.never {
            (Target::Log(m.0), never)
        } else if let Some(m) = f.error {
            (Target::Errors(Some(m.0)), counted()?)
        } else if f.no_errors == Some(true) {
            (Target::Errors(None), never)
        } else {
            return Err("`no_errors: false` expects nothing; remove it".into());
        };
        Ok(ExpectDoc(vec![Expectation { target, count, from, until, implicit: false }]))
    }
}
