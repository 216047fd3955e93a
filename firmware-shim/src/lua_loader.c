/* lua_loader.c: loading Lua source on the device: the scenario's scripts and the embedded
 * prelude.lua and sys.lua.
 *
 * Mirrors sim/core/src/runtime/loader.rs and state.rs native_load so a script meets the same
 * parser the same way on both sides: the source is fed to lua_load in 256-byte pieces, text
 * only (a binary chunk is refused, with the file named), the chunk named `@<device path>`;
 * a path is made absolute and resolved like sim/core/src/vfs.rs normalize (relative to /scripts),
 * and each script loaded gets its `script` trace line. The prelude's run_script calls
 * native_load; a missing file is told apart from one that does not compile. */
#include <stdio.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lua_task.h"

#define READER_PIECE 256u

struct reader {
    const char *data;
    size_t len;
    size_t pos;
};

static const char *read_piece(lua_State *L, void *ud, size_t *size)
{
    (void)L;
    struct reader *r = ud;
    if (r->pos >= r->len) {
        *size = 0;
        return NULL;
    }
    size_t n = r->len - r->pos < READER_PIECE ? r->len - r->pos : READER_PIECE;
    const char *p = r->data + r->pos;
    r->pos += n;
    *size = n;
    return p;
}

/* sim/core/src/vfs.rs normalize: absolute device path, relative to /scripts, . and .. resolved. */
static void normalize(lua_State *L, const char *path)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *parts[64];
    size_t lens[64];
    size_t count = 0;
    const char *p = path;
    const char *prefix = path[0] == '/' ? "" : "/scripts/";
    char joined_buf[512];
    snprintf(joined_buf, sizeof joined_buf, "%s%s", prefix, path);
    p = joined_buf;
    while (*p) {
        const char *start = p;
        while (*p && *p != '/') p++;
        size_t n = (size_t)(p - start);
        if (n == 0 || (n == 1 && start[0] == '.')) {
        } else if (n == 2 && start[0] == '.' && start[1] == '.') {
            if (count) count--;
        } else if (count < 64) {
            parts[count] = start;
            lens[count] = n;
            count++;
        }
        if (*p) p++;
    }
    luaL_addchar(&b, '/');
    for (size_t i = 0; i < count; i++) {
        if (i) luaL_addchar(&b, '/');
        luaL_addlstring(&b, parts[i], lens[i]);
    }
    luaL_pushresult(&b);
}

#define BINARY_REFUSAL "attempt to load a binary chunk"

/* native_load(path [, env]) -> chunk | nil, message, missing */
int lua_native_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    normalize(L, path);
    const char *device_path = lua_tostring(L, -1);
    const struct pack_file *f = pack_find_file(&g_scenario, device_path);
    if (!f) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot open %s (no such file on the device)", path);
        lua_pushboolean(L, 1);
        return 3;
    }
    trace_line("script", "%s (%lu bytes)", device_path, (unsigned long)f->len);
    struct reader r = { (const char *)f->data, f->len, 0 };
    lua_pushfstring(L, "@%s", device_path);
    int status = lua_load(L, read_piece, &r, lua_tostring(L, -1), "t");
    if (status != LUA_OK) {
        /* state.rs native_load: Lua's binary-chunk refusal does not name the file. */
        if (strncmp(lua_tostring(L, -1), BINARY_REFUSAL, strlen(BINARY_REFUSAL)) == 0) {
            lua_pushfstring(L, "%s: %s", device_path, lua_tostring(L, -1));
            lua_remove(L, -2);
        }
        lua_pushnil(L);
        lua_insert(L, -2);
        lua_pushboolean(L, 0);
        return 3;
    }
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushvalue(L, 2);
        if (!lua_setupvalue(L, -2, 1)) {
            lua_pop(L, 1);
        }
    }
    sleepy_note_chunk(L, device_path, f->data, f->len);
    return 1;
}

int lua_load_builtin(lua_State *L, const char *start, const char *end, const char *name)
{
    struct reader r = { start, (size_t)(end - start), 0 };
    return lua_load(L, read_piece, &r, name, "t");
}

int lua_load_bytecode(lua_State *L, const char *start, const char *end, const char *name)
{
    struct reader r = { start, (size_t)(end - start), 0 };
    return lua_load(L, read_piece, &r, name, "b");
}
