/* mqtt_module.c: the firmware's `MQTT` binding (sim/core/src/bindings/mqtt.rs).
 *
 * `MQTT.publish(topic, payload)` is captured as an `mqtt>` trace line (there is no broker
 * under QEMU; the scenario is the broker); `MQTT.subscribe(filter, fn)` registers `fn(topic,
 * payload)` for incoming messages matching the filter (`+`, `#`), stamped with the generation.
 * While an `mqtt_disconnect` outage is in force, a publish is dropped with the simulator's
 * `W/mqtt publish dropped (disconnected): <topic> <payload>` line and returns false. */
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static int l_publish(lua_State *L)
{
    size_t tlen, plen;
    const char *topic = arg_string(L, 1, &tlen);
    const char *payload = arg_string(L, 2, &plen);
    if (tlen == 0 || memchr(topic, '+', tlen) || memchr(topic, '#', tlen)) {
        lua_pushfstring(L, "invalid topic '%s' (no wildcards in a publish topic)", topic);
        return arg_error(L, 1, lua_tostring(L, -1));
    }
    bool connected = firmware_mqtt_connected();
    trace_begin(connected ? "mqtt>" : "log");
    if (!connected) {
        trace_raw("W/mqtt publish dropped (disconnected): ");
    }
    trace_text(topic, tlen);
    trace_raw(" ");
    trace_text(payload, plen);
    trace_end();
    lua_pushboolean(L, connected);
    return 1;
}

/* world/firmware.rs valid_filter: not empty, `#` only as the last level, wildcards alone. */
static bool valid_filter(const char *f, size_t len)
{
    if (len == 0) {
        return false;
    }
    size_t start = 0;
    for (;;) {
        const char *slash = memchr(f + start, '/', len - start);
        size_t end = slash ? (size_t)(slash - f) : len;
        size_t n = end - start;
        bool alone = n == 1 && (f[start] == '#' || f[start] == '+');
        if (alone && f[start] == '#' && slash) {
            return false;
        }
        if (!alone && (memchr(f + start, '#', n) || memchr(f + start, '+', n))) {
            return false;
        }
        if (!slash) {
            return true;
        }
        start = end + 1;
    }
}

static int l_subscribe(lua_State *L)
{
    size_t len;
    const char *filter = arg_string(L, 1, &len);
    arg_function(L, 2);
    if (!valid_filter(filter, len)) {
        lua_pushfstring(L, "invalid topic filter '%s'", filter);
        return arg_error(L, 1, lua_tostring(L, -1));
    }
    firmware_register(L, LISTEN_MQTT, filter, len, 2);
    lua_pushboolean(L, 1);
    return 1;
}

void MQTT_install(lua_State *L)
{
    static const luaL_Reg fns[] = { { "publish", l_publish }, { "subscribe", l_subscribe }, { NULL, NULL } };
    bind_global_table(L, "MQTT", fns);
}
