/* lua_clock.c: os.time and os.clock on the virtual clock, in place of the standard library's.
 *
 * Mirrors sim/core/src/bindings/os_clock.rs: the standard functions read the host's clock, which
 * the simulator cannot reproduce, so both sides read virtual time instead. os.time() is whole
 * seconds since power-on plus every clock_jump step played (firmware_wall_clock_s), os.time{...}
 * converts a UTC date without any time zone, and os.clock() is the ticks since this boot in
 * seconds. */
#include "lauxlib.h"
#include "lua.h"
#include "lua_task.h"

static int64_t days_from_civil(int64_t year, int64_t month, int64_t day)
{
    int64_t m0 = month - 1;
    int64_t carry = m0 >= 0 ? m0 / 12 : -((-m0 + 11) / 12);
    year += carry;
    month = m0 - carry * 12 + 1;
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = y >= 0 ? y / 400 : -((-y + 399) / 400);
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t date_field(lua_State *L, const char *name, int64_t dflt, int required)
{
    lua_getfield(L, 1, name);
    int isnum = 0;
    int64_t v = lua_tointegerx(L, -1, &isnum);
    int absent = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (absent) {
        if (required) {
            luaL_error(L, "field '%s' missing in date table", name);
        }
        return dflt;
    }
    if (!isnum) {
        luaL_error(L, "field '%s' is not an integer", name);
    }
    return v;
}

int lua_os_time(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_pushinteger(L, (lua_Integer)firmware_wall_clock_s());
        return 1;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    int64_t y = date_field(L, "year", 0, 1), m = date_field(L, "month", 0, 1), d = date_field(L, "day", 0, 1);
    int64_t h = date_field(L, "hour", 12, 0), mi = date_field(L, "min", 0, 0), s = date_field(L, "sec", 0, 0);
    lua_pushinteger(L, days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s);
    return 1;
}

int lua_os_clock(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)playback_ticks_since_boot() / (lua_Number)g_scenario.tick_hz);
    return 1;
}
