/* config_module.c: the firmware's `Config` binding (sim/core/src/bindings/config.rs).
 *
 * `Config.get("a.b.c")` reads the device configuration (the scenario's `config:` tree, changed
 * by `config` steps) at a dotted path, as a fresh Lua value; a missing path gives nil and a
 * `W/config` line, once per key in each Lua state for the first CONFIG_REMEMBERED keys (by
 * the CRC-32 of the path), then at every read (sim/core/src/contract/config.rs). */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

/* The missing keys the current Lua state has warned about; reset when a state installs. */
static uint32_t warned[CONFIG_REMEMBERED];
static size_t warned_count;

/* Whether a read of the missing `path` warns. */
static int first_warning(const char *path, size_t len)
{
    uint32_t crc = crc32_ieee((const uint8_t *)path, len);
    for (size_t i = 0; i < warned_count; i++) {
        if (warned[i] == crc) {
            return 0;
        }
    }
    if (warned_count < CONFIG_REMEMBERED) {
        warned[warned_count++] = crc;
    }
    return 1;
}

static int l_get(lua_State *L)
{
    size_t len;
    const char *path = arg_string(L, 1, &len);
    const struct json *value = firmware_config_get(path, len);
    if (value) {
        json_push(L, value);
    } else {
        if (first_warning(path, len)) {
            trace_line_escaped("log", "W/config " CONFIG_MISSING_BEFORE, path, len, CONFIG_MISSING_AFTER);
        }
        lua_pushnil(L);
    }
    return 1;
}

void Config_install(lua_State *L)
{
    static const luaL_Reg fns[] = { { "get", l_get }, { NULL, NULL } };
    warned_count = 0;
    bind_global_table(L, "Config", fns);
}
