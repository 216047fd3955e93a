/* node_module.c: the firmware's `Node` binding: the device itself.
 *
 * `Node.uptime()` is milliseconds since boot from the tick count (ticks * 1000 / tick rate,
 * as sim/src/bindings/node.rs computes it); `Node.ip()` is the scenario's address or nil;
 * `Node.restart()` resets the device like rtos.reboot; `Node.deepSleep(ms)` ends this boot
 * (nil: until a gpio wake), `Node.lightSleep(ms)` pauses with everything kept and returns the
 * wake cause, `Node.wakeCause()` says why the device runs (both played by src/playback.c).
 * The table is built field by field in the simulator's order. `Node.setTimeout` is not
 * implemented in the firmware yet. */
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

/* The sleep time argument: >= 0 ms (the simulator's message otherwise). */
static lua_Integer sleep_ms(lua_State *L)
{
    lua_Integer ms = luaL_checkinteger(L, 1);
    if (ms < 0) {
        return luaL_argerror(L, 1, lua_pushfstring(L, "sleep time must be >= 0 ms, got %I", (LUAI_UACINT)ms));
    }
    return ms;
}

static int l_deep_sleep(lua_State *L)
{
    playback_deep_sleep(lua_isnoneornil(L, 1) ? -1 : (int64_t)sleep_ms(L));
}

static int l_light_sleep(lua_State *L)
{
    lua_pushstring(L, playback_light_sleep((int64_t)sleep_ms(L)));
    return 1;
}

static int l_wake_cause(lua_State *L)
{
    lua_pushstring(L, playback_wake_cause());
    return 1;
}

void node_install(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "restart", l_restart },         { "uptime", l_uptime },           { "ip", l_ip },
        { "deepSleep", l_deep_sleep },    { "lightSleep", l_light_sleep },  { "wakeCause", l_wake_cause },
    };
    lua_createtable(L, 0, 0);
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        lua_pushcfunction(L, fns[i].func);
        lua_setfield(L, -2, fns[i].name);
    }
    lua_setglobal(L, "Node");
}
