/* node_module.c: the firmware's `Node` binding: the device itself (sim/core/src/bindings/node.rs).
 *
 * `Node.uptime()` is milliseconds since boot from the tick count (ticks * 1000 / tick rate,
 * as sim/core/src/bindings/node.rs computes it); `Node.ip()` is the scenario's address or nil;
 * `Node.restart()` resets the device like rtos.reboot; `Node.setTimeout(ms, fn)` is a one-shot
 * firmware timer on the virtual clock (src/firmware.c), not one of the rtos timer slots;
 * `Node.deepSleep(ms)` ends this boot (nil: until a gpio wake), `Node.lightSleep(ms)` pauses
 * with everything kept and returns the wake cause, `Node.wakeCause()` says why the device runs
 * (the sleeps are played by src/playback.c). The table's fields are in the simulator's order. */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static int l_uptime(lua_State *L)
{
    uint64_t ticks = playback_ticks_since_boot();
    lua_pushinteger(L, (lua_Integer)(ticks * 1000u / g_scenario.tick_hz));
    return 1;
}

static int l_restart(lua_State *L)
{
    (void)L;
    playback_reboot("Node.restart");
}

static int l_ip(lua_State *L)
{
    if (g_scenario.ip[0] == '\0') {
        lua_pushnil(L);
    } else {
        lua_pushstring(L, g_scenario.ip);
    }
    return 1;
}

static int l_set_timeout(lua_State *L)
{
    int64_t ms = arg_integer(L, 1);
    arg_function(L, 2);
    if (ms < 0) {
        lua_pushfstring(L, "timeout must be >= 0 ms, got %I", (lua_Integer)ms);
        return arg_error(L, 1, lua_tostring(L, -1));
    }
    lua_pushinteger(L, (lua_Integer)firmware_set_timeout(L, ms, 2));
    return 1;
}

/* The sleep time argument: >= 0 ms (the simulator's message otherwise). */
static int64_t sleep_ms(lua_State *L)
{
    int64_t ms = arg_integer(L, 1);
    if (ms < 0) {
        lua_pushfstring(L, "sleep time must be >= 0 ms, got %I", (lua_Integer)ms);
        return arg_error(L, 1, lua_tostring(L, -1));
    }
    return ms;
}

static int l_deep_sleep(lua_State *L)
{
    playback_deep_sleep(lua_isnoneornil(L, 1) ? -1 : sleep_ms(L));
}

static int l_light_sleep(lua_State *L)
{
    lua_pushstring(L, playback_light_sleep(sleep_ms(L)));
    return 1;
}

static int l_wake_cause(lua_State *L)
{
    lua_pushstring(L, playback_wake_cause());
    return 1;
}

void Node_install(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "restart", l_restart },          { "uptime", l_uptime },
        { "ip", l_ip },                    { "setTimeout", l_set_timeout },
        { "deepSleep", l_deep_sleep },     { "lightSleep", l_light_sleep },
        { "wakeCause", l_wake_cause },     { NULL, NULL },
    };
    bind_global_table(L, "Node", fns);
}
