//! `MQTT.publish(topic, payload)` (captured in the trace) and `MQTT.subscribe(filter, fn)` with
//! MQTT's `+` and `#` wildcards; `fn(topic, payload)` runs for every matching incoming message.
//! While a scenario's `mqtt_disconnect` holds, `publish` returns false and the firmware logs
//! `W/mqtt publish dropped (disconnected): topic payload`; nothing is queued for later.

use super::{function, global_table, subscribe, Args, BindResult, Binding};
use crate::device::with_world;
use crate::trace::{EventKind, Level};
use crate::world::{valid_filter, Listener};
use mlua::Lua;

pub const BINDING: Binding = Binding { name: "MQTT", module: None, lean: false, simulator_only: false, install };

fn install(lua: &Lua) -> mlua::Result<()> {
    global_table(
        lua,
        "MQTT",
        vec![
            ("publish", function(lua, "publish", publish)?),
            ("subscribe", function(lua, "subscribe", subscribe_topic)?),
        ],
    )?;
    Ok(())
}

fn publish(lua: &Lua, args: Args) -> BindResult<bool> {
    let topic = args.string(1)?;
    let payload = args.string(2)?;
    if topic.is_empty() || topic.contains(['+', '#']) {
        return Err(args.error(1, format!("invalid topic '{topic}' (no wildcards in a publish topic)")));
    }
    Ok(with_world(lua, |w| {
        if !w.mqtt_connected() {
            let text = format!("publish dropped (disconnected): {topic} {payload}");
            w.record(EventKind::Log { level: Level::Warn, tag: "mqtt".into(), text, bare: false });
            return false;
        }
        w.mqtt_send(topic, payload);
        true
    }))
}

fn subscribe_topic(lua: &Lua, args: Args) -> BindResult<bool> {
    let filter = args.string(1)?;
    let f = args.function(2)?;
    if !valid_filter(&filter) {
        return Err(args.error(1, format!("invalid topic filter '{filter}'")));
    }
    subscribe(lua, Listener::Mqtt { filter }, f)?;
    Ok(true)
}
