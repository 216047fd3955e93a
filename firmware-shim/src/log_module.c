/* log_module.c: LuatOS's `log` module, Lua's `print` and the firmware's `Log` binding.
 *
 * Same text as the simulator (sim/core/src/bindings/luatos_log.rs and log.rs): `log.info(tag, ...)`
 * prints `I/user.<tag> <values joined by spaces>` (D/W/E for the other levels), filtered by
 * `log.setLevel`; `print(...)` prints its values joined by tabs; `Log.info(msg, ...)` prints
 * `I/lua <msg> <values>`. Values are converted like Lua's tostring. */
#include <ctype.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static const char LEVEL_KEY[] = "luasim.log.min_rank";

/* Appends tostring(v) of arguments first..top, separated by `sep`. */
static void join(lua_State *L, luaL_Buffer *b, int first, int top, char sep)
{
    for (int i = first; i <= top; i++) {
        if (i > first) {
            luaL_addchar(b, sep);
        }
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(b);
    }
}

static lua_Integer min_rank(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LEVEL_KEY);
    lua_Integer r = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    return r;
}

static int log_at(lua_State *L, int rank, const char *letter)
{
    if (rank < min_rank(L)) {
        return 0;
    }
    int top = lua_gettop(L);
    if (top == 0) {
        lua_pushnil(L);
        top = 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, letter);
    luaL_addstring(&b, "/user.");
    luaL_tolstring(L, 1, NULL);
    luaL_addvalue(&b);
    luaL_addchar(&b, ' ');
    join(L, &b, 2, top, ' ');
    luaL_pushresult(&b);
    size_t len;
    const char *line = lua_tolstring(L, -1, &len);
    trace_line_escaped("log", NULL, line, len, NULL);
    return 0;
}

static int l_debug(lua_State *L) { return log_at(L, 0, "D"); }
static int l_info(lua_State *L) { return log_at(L, 1, "I"); }
static int l_warn(lua_State *L) { return log_at(L, 2, "W"); }
static int l_error(lua_State *L) { return log_at(L, 3, "E"); }

static int l_set_level(lua_State *L)
{
    lua_Integer rank = -1;
    if (lua_type(L, 1) == LUA_TNUMBER && lua_isinteger(L, 1)) {
        rank = lua_tointeger(L, 1);
        if (rank < 0 || rank > 4) {
            return arg_error(L, 1, "level name or log.LOG_* constant expected");
        }
    } else if (lua_type(L, 1) == LUA_TSTRING) {
        size_t len;
        const char *name = lua_tolstring(L, 1, &len);
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (size_t i = 0; i < len; i++) {
            luaL_addchar(&b, (char)toupper((unsigned char)name[i]));
        }
        luaL_pushresult(&b);
        const char *upper = lua_tostring(L, -1);
        static const char *const names[] = { "DEBUG", "INFO", "WARN", "ERROR", "SILENT" };
        for (int i = 0; i < 5; i++) {
            if (strcmp(upper, names[i]) == 0) {
                rank = i;
            }
        }
        if (rank < 0) {
            return arg_error(L, 1,
                             lua_pushfstring(L, "unknown level '%s'; use DEBUG, INFO, WARN, ERROR or SILENT", upper));
        }
    } else {
        return arg_error(L, 1, "level name or log.LOG_* constant expected");
    }
    lua_pushinteger(L, rank);
    lua_setfield(L, LUA_REGISTRYINDEX, LEVEL_KEY);
    return 0;
}

static int l_print(lua_State *L)
{
    int top = lua_gettop(L); /* before luaL_buffinit, which uses a stack slot */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    join(L, &b, 1, top, '\t');
    luaL_pushresult(&b);
    size_t len;
    const char *line = lua_tolstring(L, -1, &len);
    trace_line_escaped("log", NULL, line, len, NULL);
    return 0;
}

static int firmware_log(lua_State *L, const char *letter)
{
    size_t len;
    const char *first = arg_string(L, 1, &len);
    int top = lua_gettop(L); /* before luaL_buffinit, which uses a stack slot */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, letter);
    luaL_addstring(&b, "/lua ");
    luaL_addlstring(&b, first, len);
    if (top >= 2) {
        luaL_addchar(&b, ' ');
        join(L, &b, 2, top, ' ');
    }
    luaL_pushresult(&b);
    const char *line = lua_tolstring(L, -1, &len);
    trace_line_escaped("log", NULL, line, len, NULL);
    return 0;
}

static int l_fw_info(lua_State *L) { return firmware_log(L, "I"); }
static int l_fw_warn(lua_State *L) { return firmware_log(L, "W"); }
static int l_fw_error(lua_State *L) { return firmware_log(L, "E"); }

void log_install(lua_State *L)
{
    static const luaL_Reg log_fns[] = {
        { "debug", l_debug }, { "info", l_info }, { "warn", l_warn },
        { "error", l_error }, { "setLevel", l_set_level }, { NULL, NULL },
    };
    luaL_newlib(L, log_fns);
    static const char *const levels[] = { "LOG_DEBUG", "LOG_INFO", "LOG_WARN", "LOG_ERROR", "LOG_SILENT" };
    for (int i = 0; i < 5; i++) {
        lua_pushinteger(L, i);
        lua_setfield(L, -2, levels[i]);
    }
    lua_setglobal(L, "log");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
}

void Log_install(lua_State *L)
{
    static const luaL_Reg fw_fns[] = {
        { "info", l_fw_info }, { "warn", l_fw_warn }, { "error", l_fw_error }, { NULL, NULL },
    };
    luaL_newlib(L, fw_fns);
    lua_setglobal(L, "Log");
}
