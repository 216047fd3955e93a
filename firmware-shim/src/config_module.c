/* config_module.c: the firmware's `Config` binding (sim/core/src/bindings/config.rs).
 *
 * `Config.get("a.b.c")` reads the device configuration (the scenario's `config:` tree, changed
 * by `config` steps) at a dotted path, as a fresh Lua value; a missing path gives nil. */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static int l_get(lua_State *L)
{
    size_t len;
    const char *path = arg_string(L, 1, &len);
    const struct json *value = firmware_config_get(path, len);
    if (value) {
        json_push(L, value);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

void Config_install(lua_State *L)
{
    static const luaL_Reg fns[] = { { "get", l_get }, { NULL, NULL } };
    bind_global_table(L, "Config", fns);
}
