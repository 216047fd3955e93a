/* args.c: argument checks for the firmware's bindings, with the simulator's messages.
 *
 * sim/src/bindings/args.rs names every binding function itself (`bad argument #1 to
 * 'publish' (string expected, got nil)`) instead of asking the call site like
 * luaL_argerror does, so these helpers take the name too. The error is raised with
 * luaL_error, so it carries the calling line like the simulator's `error(message, 2)`. */
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

int arg_error(lua_State *L, int n, const char *name, const char *message)
{
    return luaL_error(L, "bad argument #%d to '%s' (%s)", n, name, message);
}

/* `<what> expected, got <type>` (`no value` past the last argument). */
static int expected(lua_State *L, int n, const char *name, const char *what)
{
    const char *got = lua_type(L, n) == LUA_TNONE ? "no value" : luaL_typename(L, n);
    return luaL_error(L, "bad argument #%d to '%s' (%s expected, got %s)", n, name, what, got);
}

const char *arg_string(lua_State *L, int n, const char *name, size_t *len)
{
    int t = lua_type(L, n);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) {
        expected(L, n, name, "string");
    }
    return lua_tolstring(L, n, len);
}

int64_t arg_integer(lua_State *L, int n, const char *name)
{
    int isnum = 0;
    lua_Integer i = lua_tointegerx(L, n, &isnum);
    if (isnum) {
        return i;
    }
    int number = 0;
    (void)lua_tonumberx(L, n, &number);
    if (number) {
        return arg_error(L, n, name, "number has no integer representation");
    }
    return expected(L, n, name, "number");
}

void arg_function(lua_State *L, int n, const char *name)
{
    if (lua_type(L, n) != LUA_TFUNCTION) {
        expected(L, n, name, "function");
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
