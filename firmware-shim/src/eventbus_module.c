/* eventbus_module.c: the firmware's `EventBus` binding (sim/core/src/bindings/eventbus.rs).
 *
 * `EventBus.subscribe(event, fn)` registers `fn(data)` for a firmware event (an `event` step
 * of the scenario: `sensor.temperature` with its data table), stamped with the generation. */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static int l_subscribe(lua_State *L)
{
    size_t len;
    const char *event = arg_string(L, 1, &len);
    arg_function(L, 2);
    firmware_register(L, LISTEN_EVENTBUS, event, len, 2);
    lua_pushboolean(L, 1);
    return 1;
}

void EventBus_install(lua_State *L)
{
    static const luaL_Reg fns[] = { { "subscribe", l_subscribe }, { NULL, NULL } };
    bind_global_table(L, "EventBus", fns);
}
