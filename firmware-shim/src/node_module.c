/* node_module.c: the firmware's `Node` binding (the part that needs no firmware services yet).
 *
 * `Node.uptime()` is milliseconds since boot from the tick count (ticks * 1000 / tick rate,
 * as sim/src/bindings/node.rs computes it); `Node.ip()` is the scenario's address or nil;
 * `Node.restart()` resets the device like rtos.reboot. `Node.setTimeout` is not implemented in
 * the firmware yet. */
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

void node_install(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "restart", l_restart }, { "uptime", l_uptime }, { "ip", l_ip }, { NULL, NULL },
    };
    luaL_newlib(L, fns);
    lua_setglobal(L, "Node");
}
