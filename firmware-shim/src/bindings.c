/* bindings.c: the one list of firmware modules a fresh Lua state gets.
 *
 * The list is contract.h's BINDINGS, generated from the simulator's (sim/core/src/bindings/mod.rs
 * ALL), so globals are created in the same order on both sides; an optional module installs
 * only when the packed build lists it. */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

void rtos_install(lua_State *L)
{
    luaopen_rtos(L);
    lua_setglobal(L, "rtos");
}

struct binding {
    const char *name;
    const char *module; /* the build option it needs, NULL: always there */
    void (*install)(lua_State *L);
};

#define BINDING(global, module) { #global, module, global##_install },
static const struct binding ALL[] = { BINDINGS(BINDING) };
#undef BINDING

void bindings_install_all(lua_State *L)
{
    for (size_t i = 0; i < sizeof ALL / sizeof ALL[0]; i++) {
        if (!ALL[i].module || pack_has_module(&g_scenario, ALL[i].module)) {
            ALL[i].install(L);
        }
    }
}
