/* rtc_module.c: the firmware's `RTC` binding, the store in the sleep region.
 *
 * Same table as sim/core/src/bindings/rtc.rs (set, get, remove, keys, clear, used, free, status,
 * created in that order) and the same semantics and error texts: set(key, value) stores
 * booleans, integers, floats, strings and nested tables (integer or string keys), nil removes;
 * functions, userdata, cycles and nesting deeper than 32 tables are refused, as is a write
 * that would overflow the region. Values are encoded here from the Lua value (table keys
 * sorted: integers ascending, then strings by bytes) and decoded back into fresh tables; the
 * image itself is src/sleep_region.c's. A power loss armed for the next write tears it. */
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

#define MAX_DEPTH 32

static uint8_t *value_buf; /* the encoded value of a write (region-sized) */

/* ---- Lua value -> bytes ------------------------------------------------------------------ */

/* Checks, in the simulator's order (pairs order, depth first), that the value at `idx` can be
 * stored; otherwise pushes the reason and returns false. `path` holds the enclosing tables. */
static bool storable(lua_State *L, int idx, const void **path, int depth)
{
    int type = lua_type(L, idx);
    if (type == LUA_TBOOLEAN || type == LUA_TNUMBER || type == LUA_TSTRING) {
        return true;
    }
    if (type != LUA_TTABLE) {
        lua_pushfstring(L, "a %s cannot be kept in the sleep region", luaL_typename(L, idx));
        return false;
    }
    const void *self = lua_topointer(L, idx);
    for (int i = 0; i < depth; i++) {
        if (path[i] == self) {
            lua_pushstring(L, "the table contains itself (a cycle)");
            return false;
        }
    }
    if (depth >= MAX_DEPTH) {
        lua_pushfstring(L, "tables nested deeper than %d levels", MAX_DEPTH);
        return false;
    }
    path[depth] = self;
    luaL_checkstack(L, 4, NULL);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING && !lua_isinteger(L, -2)) {
            lua_pushfstring(L, "table keys must be integers or strings, not %s", luaL_typename(L, -2));
            return false;
        }
        if (!storable(L, lua_gettop(L), path, depth + 1)) {
            return false;
        }
        lua_pop(L, 1);
    }
    return true;
}

struct key {
    bool is_str;
    lua_Integer i;
    const char *s;
    size_t n;
};

/* Integer keys first, ascending; then strings by bytes (sim RtcKey's order). */
static int key_order(const void *pa, const void *pb)
{
    const struct key *a = pa, *b = pb;
    if (a->is_str != b->is_str) {
        return a->is_str ? 1 : -1;
    }
    if (!a->is_str) {
        return (a->i > b->i) - (a->i < b->i);
    }
    return lsr_compare_bytes((const uint8_t *)a->s, a->n, (const uint8_t *)b->s, b->n);
}

static void encode(lua_State *L, int idx, struct lsr_out *o);

static void encode_table(lua_State *L, int idx, struct lsr_out *o)
{
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        lua_pop(L, 1);
    }
    struct key *keys = pvPortMalloc((count ? count : 1) * sizeof *keys);
    if (!keys) {
        shim_fatal("no memory to sort a sleep-region table");
    }
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        struct key *key = &keys[k++];
        key->is_str = lua_type(L, -2) == LUA_TSTRING;
        key->i = key->is_str ? 0 : lua_tointeger(L, -2);
        key->s = key->is_str ? lua_tolstring(L, -2, &key->n) : NULL;
        lua_pop(L, 1);
    }
    qsort(keys, count, sizeof *keys, key_order);
    lsr_put_table_header(o, count);
    for (k = 0; k < count; k++) {
        if (keys[k].is_str) {
            lsr_put_str(o, keys[k].s, keys[k].n);
            lua_pushlstring(L, keys[k].s, keys[k].n);
        } else {
            lsr_put_int(o, keys[k].i);
            lua_pushinteger(L, keys[k].i);
        }
        lua_rawget(L, idx);
        encode(L, lua_gettop(L), o);
        lua_pop(L, 1);
    }
    vPortFree(keys);
}

/* Encodes the (storable) value at `idx`. */
static void encode(lua_State *L, int idx, struct lsr_out *o)
{
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        lsr_put_byte(o, lua_toboolean(L, idx) ? LSR_TAG_TRUE : LSR_TAG_FALSE);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            lsr_put_int(o, lua_tointeger(L, idx));
        } else {
            lsr_put_float(o, lua_tonumber(L, idx));
        }
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        lsr_put_str(o, s, n);
        break;
    }
    default:
        luaL_checkstack(L, 4, NULL);
        encode_table(L, idx, o);
        break;
    }
}

/* ---- bytes -> Lua value ------------------------------------------------------------------ */

static int64_t get_signed(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) {
        v = v << 8 | p[i];
    }
    unsigned shift = 64u - 8u * (unsigned)n;
    return shift ? (int64_t)(v << shift) >> shift : (int64_t)v;
}

/* Pushes the valid value at p; returns the byte after it. */
static const uint8_t *push_value(lua_State *L, const uint8_t *p)
{
    switch (p[0]) {
    case LSR_TAG_FALSE:
    case LSR_TAG_TRUE:
        lua_pushboolean(L, p[0] == LSR_TAG_TRUE);
        return p + 1;
    case LSR_TAG_INT8:
    case LSR_TAG_INT16:
    case LSR_TAG_INT32:
    case LSR_TAG_INT64: {
        size_t n = (size_t)1 << (p[0] - LSR_TAG_INT8);
        lua_pushinteger(L, (lua_Integer)get_signed(p + 1, n));
        return p + 1 + n;
    }
    case LSR_TAG_FLOAT64: {
        int64_t bits = get_signed(p + 1, 8);
        double x;
        memcpy(&x, &bits, sizeof x);
        lua_pushnumber(L, x);
        return p + 9;
    }
    case LSR_TAG_STR8:
    case LSR_TAG_STR16: {
        size_t n;
        const uint8_t *s = lsr_str(p, &n);
        lua_pushlstring(L, (const char *)s, n);
        return s + n;
    }
    default: {
        size_t pairs = (size_t)p[1] | (size_t)p[2] << 8;
        p += 3;
        luaL_checkstack(L, 4, NULL);
        lua_createtable(L, 0, 0);
        for (size_t k = 0; k < pairs; k++) {
            p = push_value(L, p);
            p = push_value(L, p);
            lua_rawset(L, -3);
        }
        return p;
    }
    }
}

/* ---- The binding ------------------------------------------------------------------------- */

static int write(lua_State *L, const char *key, size_t klen, const uint8_t *value, size_t vlen)
{
    if (playback_tear_armed()) {
        region_tear((const uint8_t *)key, klen, value, vlen);
        playback_power_loss_during_write();
    }
    struct region_full full;
    if (!region_put((const uint8_t *)key, klen, value, vlen, &full)) {
        return luaL_error(L, "RTC.set: storing '%s' wants %d bytes but only %d of the %d-byte sleep region are free", key,
                          (int)full.wanted, (int)full.free, (int)full.capacity);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int l_set(lua_State *L)
{
    size_t klen;
    const char *key = arg_string(L, 1, &klen);
    if (lua_isnoneornil(L, 2)) {
        return write(L, key, klen, NULL, 0);
    }
    const void *path[MAX_DEPTH];
    if (!storable(L, 2, path, 0)) {
        return luaL_error(L, "RTC.set: cannot store '%s': %s", key, lua_tostring(L, -1));
    }
    struct lsr_out o = { value_buf, region_capacity(), 0 };
    encode(L, 2, &o);
    return write(L, key, klen, value_buf, o.len);
}

static int l_get(lua_State *L)
{
    size_t klen;
    const char *key = arg_string(L, 1, &klen);
    const uint8_t *value;
    if (!region_find((const uint8_t *)key, klen, &value)) {
        lua_pushnil(L);
        return 1;
    }
    push_value(L, value);
    return 1;
}

static int l_remove(lua_State *L)
{
    size_t klen;
    const char *key = arg_string(L, 1, &klen);
    return write(L, key, klen, NULL, 0);
}

static int l_keys(lua_State *L)
{
    size_t count = region_count();
    const uint8_t **keys = lua_newuserdatauv(L, (count ? count : 1) * (sizeof *keys + sizeof(size_t)), 0);
    size_t *lens = (size_t *)(keys + (count ? count : 1));
    count = region_keys(keys, lens, count);
    lua_createtable(L, 0, 0);
    for (size_t i = 0; i < count; i++) {
        lua_pushlstring(L, (const char *)keys[i], lens[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int l_clear(lua_State *L)
{
    (void)L;
    region_clear();
    return 0;
}

static int l_used(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)region_used());
    return 1;
}

static int l_free(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)(region_capacity() - region_used()));
    return 1;
}

static int l_status(lua_State *L)
{
    lua_pushstring(L, region_status_name());
    return 1;
}

void RTC_install(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "set", l_set },   { "get", l_get },   { "remove", l_remove }, { "keys", l_keys },
        { "clear", l_clear }, { "used", l_used }, { "free", l_free },     { "status", l_status },
    };
    if (!value_buf) {
        value_buf = pvPortMalloc(region_capacity());
        if (!value_buf) {
            shim_fatal("no memory for the sleep region's value buffer");
        }
    }
    lua_createtable(L, 0, 0);
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        lua_pushcfunction(L, fns[i].func);
        lua_setfield(L, -2, fns[i].name);
    }
    lua_setglobal(L, "RTC");
}
