/* bindings.c: the one list of firmware modules a fresh Lua state gets.
 *
 * Same order as the simulator's list (sim/src/bindings/mod.rs ALL), so globals are created in
 * the same order on both sides. Modules the simulator has and this firmware does not yet
 * (MQTT, EventBus, Config, JSON, Telegram, GNSS, Node.setTimeout) are missing here:
 * scripts that use them differ in the cross-check (docs/crosscheck.md). */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static void rtos_install(lua_State *L)
{
    luaopen_rtos(L);
    lua_setglobal(L, "rtos");
}

struct binding {
    const char *name;
    void (*install)(lua_State *L);
};

static const struct binding ALL[] = {
    { "rtos", rtos_install },
    { "log, print, Log", log_install },
    { "Node", node_install },
    { "RTC", rtc_install },
};

void bindings_install_all(lua_State *L)
{
    for (size_t i = 0; i < sizeof ALL / sizeof ALL[0]; i++) {
        ALL[i].install(L);
    }
}
