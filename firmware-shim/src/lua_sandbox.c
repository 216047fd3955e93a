/* lua_sandbox.c: what a fresh device state hides from scripts (docs/security.md).
 *
 * Mirrors sim/core/src/runtime/sandbox.rs step by step, so both sides give scripts the same
 * surface: the standard libraries lose every name that reaches the host (REMOVED, from
 * contract.h), `debug` keeps only `traceback`, and package.loaded holds exactly the trimmed
 * libraries. Lua's raw load and os.date live only in the registry, called by text_load (text
 * chunks only) and utc_date (UTC, virtual clock), so no function a script can reach leads to
 * them. */
#include <string.h>

#include "lua.h"
#include "lua_task.h"

/* Registry slots of Lua's own load and os.date: only text_load and utc_date call them, so no
 * function a script holds (nor any of its upvalues) leads to them. */
static const char RAW_LOAD_KEY[] = "luasim.raw_load";
static const char RAW_DATE_KEY[] = "luasim.raw_date";

/* sandbox.rs text_load(chunk [, name [, env]]): load(chunk, name, "t" [, env]); the mode is
 * always text, whether chunk is a string or a reader function. */
int lua_text_load(lua_State *L)
{
    int with_env = lua_gettop(L) >= 3;
    lua_settop(L, with_env ? 3 : 2);
    lua_getfield(L, LUA_REGISTRYINDEX, RAW_LOAD_KEY);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushstring(L, "t");
    if (with_env) {
        lua_pushvalue(L, 3);
    }
    lua_call(L, with_env ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - (with_env ? 3 : 2);
}

/* sandbox.rs utc_date: os.date in UTC ('!' added) on the virtual clock. */
int lua_utc_date(lua_State *L)
{
    lua_settop(L, 2);
    lua_getfield(L, LUA_REGISTRYINDEX, RAW_DATE_KEY);
    if (!lua_toboolean(L, 1)) {
        lua_pushstring(L, "!%c");
    } else {
        lua_pushvalue(L, 1);
        int t = lua_type(L, -1);
        if ((t == LUA_TSTRING || t == LUA_TNUMBER) && lua_tostring(L, -1)[0] != '!') {
            lua_pushstring(L, "!");
            lua_rotate(L, -2, 1);
            lua_concat(L, 2);
        }
    }
    if (!lua_toboolean(L, 2)) {
        lua_pushinteger(L, (lua_Integer)firmware_wall_clock_s());
    } else {
        lua_pushvalue(L, 2);
    }
    lua_call(L, 2, LUA_MULTRET);
    return lua_gettop(L) - 2;
}

/* sandbox.rs align_loaded: package.loaded[name] is the global name for every library (nil for
 * one removed), so require("debug") gives the trimmed debug. */
static void align_loaded(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_getfield(L, -1, "package");
    lua_getfield(L, -1, "loaded"); /* G, package, loaded */
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);             /* G, package, loaded, key */
        lua_pushvalue(L, -1);
        lua_pushvalue(L, -1);
        lua_rawget(L, -6);         /* ..., key, key, G[key] */
        lua_rawset(L, -4);         /* loaded[key] = G[key] */
    }
    lua_pop(L, 3);
}

/* What sim/core/src/runtime/sandbox.rs REMOVED lists (contract.h). */
static const char *const REMOVED[] = { SANDBOX_REMOVED };

static void remove_all(lua_State *L)
{
    for (size_t i = 0; i < sizeof REMOVED / sizeof REMOVED[0]; i++) {
        const char *dot = strchr(REMOVED[i], '.');
        if (!dot) {
            lua_pushnil(L);
            lua_setglobal(L, REMOVED[i]);
        } else {
            char lib[16];
            size_t n = (size_t)(dot - REMOVED[i]);
            memcpy(lib, REMOVED[i], n);
            lib[n] = 0;
            lua_getglobal(L, lib);
            lua_pushnil(L);
            lua_setfield(L, -2, dot + 1);
            lua_pop(L, 1);
        }
    }
}

/* sandbox.rs enclose, on a state whose libraries are open: the raw functions into the
 * registry, REMOVED gone, `debug` rebuilt with only `traceback`, package.loaded aligned. The
 * stack must be empty; debug.traceback is left at index 1, for the prelude. */
void lua_sandbox_enclose(lua_State *L)
{
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback"); /* 2: traceback */
    lua_remove(L, 1);                 /* stack: traceback */
    lua_getglobal(L, "load");
    lua_setfield(L, LUA_REGISTRYINDEX, RAW_LOAD_KEY);
    lua_getglobal(L, "os");
    lua_getfield(L, -1, "date");
    lua_setfield(L, LUA_REGISTRYINDEX, RAW_DATE_KEY);
    lua_pop(L, 1);
    remove_all(L);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "traceback");
    lua_setglobal(L, "debug");
    align_loaded(L);
}
