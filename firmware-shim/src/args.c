/* args.c: argument checks for the firmware's bindings.
 *
 * Errors go through luaL_argerror, which names the function from its call site
 * (`bad argument #1 to 'publish' (string expected, got nil)`, `'?'` under pcall) and
 * carries the calling line; the simulator raises its binding errors the same way
 * (sim/core/src/bindings/surface.rs). The checks accept what the simulator's
 * sim/core/src/bindings/args.rs accepts. */
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

int arg_error(lua_State *L, int n, const char *message)
{
    return luaL_argerror(L, n, message);
}

/* `<what> expected, got <type>` (`no value` past the last argument). */
static int expected(lua_State *L, int n, const char *what)
{
    const char *got = lua_type(L, n) == LUA_TNONE ? "no value" : luaL_typename(L, n);
    return luaL_argerror(L, n, lua_pushfstring(L, "%s expected, got %s", what, got));
}

const char *arg_string(lua_State *L, int n, size_t *len)
{
    int t = lua_type(L, n);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) {
        expected(L, n, "string");
    }
    return lua_tolstring(L, n, len);
}

int64_t arg_integer(lua_State *L, int n)
{
    int isnum = 0;
    lua_Integer i = lua_tointegerx(L, n, &isnum);
    if (isnum) {
        return i;
    }
    int number = 0;
    (void)lua_tonumberx(L, n, &number);
    if (number) {
        return arg_error(L, n, "number has no integer representation");
    }
    return expected(L, n, "number");
}

void arg_function(lua_State *L, int n)
{
    if (lua_type(L, n) != LUA_TFUNCTION) {
        expected(L, n, "function");
    }
}

void bind_global_table(lua_State *L, const char *global, const luaL_Reg *fns)
{
    lua_newtable(L);
    for (; fns->name; fns++) {
        lua_pushcfunction(L, fns->func);
        lua_setfield(L, -2, fns->name);
    }
    lua_setglobal(L, global);
}
