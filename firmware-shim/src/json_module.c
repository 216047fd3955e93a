/* json_module.c: the firmware's `JSON` binding (sim/core/src/bindings/json.rs and convert.rs).
 *
 * `JSON.decode(text)` gives the value (src/json_parse.c parses exactly like serde_json) or `nil,
 * "JSON.decode: <serde_json's message>"`. `JSON.encode(value)` prints like serde_json's
 * to_string of the simulator's conversion: a table whose pairs are exactly 1..#t is an array,
 * any other table an object with keys sorted (integer and float keys as Lua prints them, the
 * last of equal keys wins), integers in decimal, floats in serde_json's shortest form; errors give
 * `nil, "JSON.encode: ..."` (nesting deeper than 100, NaN or infinity, non-UTF-8 strings,
 * functions). The text is built on the firmware heap and handed to Lua once, as the simulator
 * does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

#define MAX_DEPTH 100

static int l_decode(lua_State *L)
{
    size_t len;
    const char *text = arg_string(L, 1, &len);
    struct json value;
    char error[160];
    if (!json_parse(text, len, &value, error, sizeof error)) {
        lua_pushnil(L);
        lua_pushfstring(L, "JSON.decode: %s", error);
        return 2;
    }
    json_push(L, &value);
    json_free(&value);
    return 1;
}

/* ---- Encoding ------------------------------------------------------------------------------ */

static bool valid_utf8(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        uint8_t b = p[i];
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF;
        if (b < 0x80) {
            i++;
            continue;
        } else if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            lo = b == 0xE0 ? 0xA0 : 0x80;
            hi = b == 0xED ? 0x9F : 0xBF;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            lo = b == 0xF0 ? 0x90 : 0x80;
            hi = b == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (len - i <= need) {
            return false;
        }
        for (size_t k = 1; k <= need; k++) {
            uint8_t c = p[i + k];
            if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) {
                return false;
            }
        }
        i += need + 1;
    }
    return true;
}

/* serde_json's string escaping: quotes, backslash and control characters. */
static void add_string(struct bytes *t, const char *s, size_t len)
{
    bytes_add(t, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        const char *esc = NULL;
        char buf[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(buf, sizeof buf, "\\u%04x", c);
                esc = buf;
            }
        }
        if (esc) {
            bytes_add(t, esc, strlen(esc));
        } else {
            bytes_add(t, s + i, 1);
        }
    }
    bytes_add(t, "\"", 1);
}

/* args.rs format_number: Lua's %.14g, with `.0` when it looks like an integer. */
static void format_number(double x, char *out, size_t size)
{
    if (x != x) {
        snprintf(out, size, "nan");
    } else if (x == __builtin_inf() || x == -__builtin_inf()) {
        snprintf(out, size, x > 0 ? "inf" : "-inf");
    } else {
        snprintf(out, size, "%.14g", x);
        if (!strpbrk(out, ".eni")) {
            strncat(out, ".0", size - strlen(out) - 1);
        }
    }
}

static bool fail(char *error, size_t size, const char *message)
{
    snprintf(error, size, "%s", message);
    return false;
}

static bool encode(lua_State *L, int idx, int depth, struct bytes *out, char *error, size_t size);

static bool encode_array(lua_State *L, int idx, lua_Unsigned len, int depth, struct bytes *out, char *error,
                         size_t size)
{
    bytes_add(out, "[", 1);
    for (lua_Unsigned i = 1; i <= len; i++) {
        if (i > 1) {
            bytes_add(out, ",", 1);
        }
        lua_rawgeti(L, idx, (lua_Integer)i);
        bool ok = encode(L, lua_gettop(L), depth + 1, out, error, size);
        lua_pop(L, 1);
        if (!ok) {
            return false;
        }
    }
    bytes_add(out, "]", 1);
    return true;
}

struct member {
    char *key;
    size_t key_len;
    struct bytes value;
    size_t order; /* position in pairs order: the last of equal keys wins */
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    int c = json_key_cmp(x->key, x->key_len, y->key, y->key_len);
    if (c != 0) {
        return c;
    }
    return x->order < y->order ? -1 : 1;
}

/* The key of the entry at -2 as serde_json's map key; false on a key it cannot encode. */
static bool object_key(lua_State *L, struct member *m, char *error, size_t size)
{
    char buf[40];
    const char *s = buf;
    size_t len;
    switch (lua_type(L, -2)) {
    case LUA_TSTRING:
        s = lua_tolstring(L, -2, &len);
        if (!valid_utf8(s, len)) {
            return fail(error, size, "cannot encode a key that is not UTF-8");
        }
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, -2)) {
            snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, -2));
        } else {
            format_number(lua_tonumber(L, -2), buf, sizeof buf);
        }
        len = strlen(buf);
        break;
    default:
        snprintf(error, size, "cannot encode a table key of type %s", luaL_typename(L, -2));
        return false;
    }
    m->key = json_alloc(len + 1);
    memcpy(m->key, s, len);
    m->key[len] = 0;
    m->key_len = len;
    return true;
}

static void free_members(struct member *members, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(members[i].key);
        free(members[i].value.data);
    }
    free(members);
}

static bool encode_object(lua_State *L, int idx, size_t count, int depth, struct bytes *out, char *error, size_t size)
{
    struct member *members = json_alloc(sizeof *members * (count ? count : 1));
    size_t n = 0;
    bool ok = true;
    lua_pushnil(L);
    while (ok && lua_next(L, idx)) {
        struct member *m = &members[n];
        memset(m, 0, sizeof *m);
        m->order = n;
        ok = object_key(L, m, error, size);
        n += ok;
        ok = ok && encode(L, lua_gettop(L), depth + 1, &m->value, error, size);
        lua_pop(L, ok ? 1 : 2);
    }
    if (ok) {
        qsort(members, n, sizeof *members, member_cmp);
        bytes_add(out, "{", 1);
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            bool superseded = i + 1 < n && json_key_cmp(members[i].key, members[i].key_len, members[i + 1].key,
                                                         members[i + 1].key_len) == 0;
            if (superseded) {
                continue;
            }
            if (!first) {
                bytes_add(out, ",", 1);
            }
            first = false;
            add_string(out, members[i].key, members[i].key_len);
            bytes_add(out, ":", 1);
            bytes_add(out, members[i].value.data ? members[i].value.data : "", members[i].value.len);
        }
        bytes_add(out, "}", 1);
    }
    free_members(members, n);
    return ok;
}

static bool encode_table(lua_State *L, int idx, int depth, struct bytes *out, char *error, size_t size)
{
    luaL_checkstack(L, 6, "JSON.encode nesting");
    lua_Unsigned len = lua_rawlen(L, idx);
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        lua_pop(L, 1);
    }
    if (len > 0 && count == len) {
        return encode_array(L, idx, len, depth, out, error, size);
    }
    return encode_object(L, idx, count, depth, out, error, size);
}

/* convert.rs to_json then serde_json's printing, for the value at `idx`. */
static bool encode(lua_State *L, int idx, int depth, struct bytes *out, char *error, size_t size)
{
    char buf[48];
    if (depth > MAX_DEPTH) {
        snprintf(error, size, "nesting deeper than %d levels (or a cycle)", MAX_DEPTH);
        return false;
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        bytes_add(out, "null", 4);
        return true;
    case LUA_TBOOLEAN:
        bytes_add(out, lua_toboolean(L, idx) ? "true" : "false", lua_toboolean(L, idx) ? 4 : 5);
        return true;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            bytes_add(out, buf, (size_t)snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, idx)));
            return true;
        } else {
            double x = lua_tonumber(L, idx);
            if (x != x || x == __builtin_inf() || x == -__builtin_inf()) {
                format_number(x, buf, sizeof buf);
                snprintf(error, size, "cannot encode %s", buf);
                return false;
            }
            bytes_add(out, buf, json_format_float(x, buf));
            return true;
        }
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (!valid_utf8(s, len)) {
            return fail(error, size, "cannot encode a string that is not UTF-8");
        }
        add_string(out, s, len);
        return true;
    }
    case LUA_TTABLE:
        return encode_table(L, idx, depth, out, error, size);
    default:
        snprintf(error, size, "cannot encode a %s", luaL_typename(L, idx));
        return false;
    }
}

static int l_encode(lua_State *L)
{
    if (lua_gettop(L) == 0) {
        return arg_error(L, 1, "value expected");
    }
    lua_settop(L, 1);
    struct bytes out = { 0 };
    char error[96];
    bool ok = encode(L, 1, 0, &out, error, sizeof error);
    if (ok) {
        lua_pushlstring(L, out.data ? out.data : "", out.len);
    }
    free(out.data);
    if (!ok) {
        lua_pushnil(L);
        lua_pushfstring(L, "JSON.encode: %s", error);
        return 2;
    }
    return 1;
}

void JSON_install(lua_State *L)
{
    static const luaL_Reg fns[] = { { "decode", l_decode }, { "encode", l_encode }, { NULL, NULL } };
    bind_global_table(L, "JSON", fns);
}
