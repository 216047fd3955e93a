/* gnss_module.c: the firmware's optional `GNSS` binding (sim/core/src/bindings/gnss.rs).
 *
 * Only on builds with the `gnss` module (bindings.c checks the packed module list).
 * `GNSS.lastFix()` returns the last position fix as a fresh table (`lat`, `lon`, and whatever
 * else the fix carries), or nil without a fix. The fix itself is the outside world's and lives
 * in firmware.c: the scenario's power-on fix, replaced or lost by `gnss` steps. */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static int l_last_fix(lua_State *L)
{
    const struct json *fix = firmware_gnss_fix();
    if (fix) {
        json_push(L, fix);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

void GNSS_install(lua_State *L)
{
    static const luaL_Reg fns[] = { { "lastFix", l_last_fix }, { NULL, NULL } };
    bind_global_table(L, "GNSS", fns);
}
