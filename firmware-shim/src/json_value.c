/* json_value.c: the firmware's JSON values: configuration, event data and JSON.decode results.
 *
 * The simulator holds these as serde_json values (sim/core/src/bindings/convert.rs); this file is
 * what the shim does with one once it exists: free and copy it, keep object members sorted by
 * key with a repeated key keeping its last value (serde_json's BTreeMap), get and set dotted
 * configuration paths (World::config_get / config_set), and push it onto a Lua stack as
 * convert.rs does. It also holds the growing byte buffer the parser and JSON.encode write into.
 * Parsing is src/json_parse.c, float text src/json_float.c. Values live on the FreeRTOS heap,
 * not the Lua heap, like the simulator's host memory. */
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

void *json_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        shim_fatal("out of memory (firmware heap)");
    }
    return p;
}

static char *copy_bytes(const char *s, uint32_t len)
{
    char *p = json_alloc((size_t)len + 1);
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

void json_free(struct json *v)
{
    if (v->type == JSON_STR) {
        free(v->u.str.bytes);
    } else if (v->type == JSON_ARRAY) {
        for (uint32_t i = 0; i < v->count; i++) {
            json_free(&v->u.items[i]);
        }
        free(v->u.items);
    } else if (v->type == JSON_OBJECT) {
        for (uint32_t i = 0; i < v->count; i++) {
            free(v->u.members[i].key);
            json_free(&v->u.members[i].value);
        }
        free(v->u.members);
    }
    memset(v, 0, sizeof *v);
}

void json_clone(const struct json *from, struct json *to)
{
    *to = *from;
    if (from->type == JSON_STR) {
        to->u.str.bytes = copy_bytes(from->u.str.bytes, from->u.str.len);
    } else if (from->type == JSON_ARRAY) {
        to->u.items = json_alloc(sizeof *to->u.items * from->count);
        for (uint32_t i = 0; i < from->count; i++) {
            json_clone(&from->u.items[i], &to->u.items[i]);
        }
    } else if (from->type == JSON_OBJECT) {
        to->u.members = json_alloc(sizeof *to->u.members * from->count);
        for (uint32_t i = 0; i < from->count; i++) {
            const struct json_member *m = &from->u.members[i];
            to->u.members[i].key = copy_bytes(m->key, m->key_len);
            to->u.members[i].key_len = m->key_len;
            json_clone(&m->value, &to->u.members[i].value);
        }
    }
}

/* Rust's str ordering: bytes, then length. */
int json_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) {
        return c;
    }
    return alen < blen ? -1 : alen > blen;
}

/* The member of `object` with `key`, or where it would be inserted (*found false). */
static uint32_t find_member(const struct json *object, const char *key, size_t len, bool *found)
{
    uint32_t lo = 0, hi = object->count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = json_key_cmp(object->u.members[mid].key, object->u.members[mid].key_len, key, len);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

/* BTreeMap::insert: replaces the value of an existing key; takes ownership of `key`, `value`. */
struct json *json_object_insert(struct json *object, char *key, uint32_t key_len, struct json *value)
{
    bool found;
    uint32_t at = find_member(object, key, key_len, &found);
    if (found) {
        free(key);
        json_free(&object->u.members[at].value);
    } else {
        object->u.members = realloc(object->u.members, sizeof *object->u.members * (object->count + 1));
        if (!object->u.members) {
            shim_fatal("out of memory (firmware heap)");
        }
        memmove(&object->u.members[at + 1], &object->u.members[at], sizeof *object->u.members * (object->count - at));
        object->count++;
        object->u.members[at].key = key;
        object->u.members[at].key_len = key_len;
    }
    object->u.members[at].value = *value;
    return &object->u.members[at].value;
}

/* World::config_get: the value at a dotted path, NULL when a part is missing. */
const struct json *json_get_path(const struct json *root, const char *path, size_t len)
{
    const struct json *node = root;
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < len && path[end] != '.') end++;
        if (node->type != JSON_OBJECT) {
            return NULL;
        }
        bool found;
        uint32_t at = find_member(node, path + start, end - start, &found);
        if (!found) {
            return NULL;
        }
        node = &node->u.members[at].value;
        if (end == len) {
            return node;
        }
        start = end + 1;
    }
}

/* World::config_set: sets a copy of `value` at a dotted path, making objects on the way (a
 * non-object on the way is replaced by an empty object). */
void json_set_path(struct json *root, const char *path, size_t len, const struct json *value)
{
    struct json *node = root;
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < len && path[end] != '.') end++;
        if (node->type != JSON_OBJECT) {
            json_free(node);
            node->type = JSON_OBJECT;
        }
        bool found;
        uint32_t at = find_member(node, path + start, end - start, &found);
        if (found) {
            node = &node->u.members[at].value;
        } else {
            struct json null = { .type = JSON_NULL };
            node = json_object_insert(node, copy_bytes(path + start, (uint32_t)(end - start)), (uint32_t)(end - start),
                                      &null);
        }
        if (end == len) {
            break;
        }
        start = end + 1;
    }
    json_free(node);
    json_clone(value, node);
}

/* convert.rs json_to_lua: null is nil, sequences from 1, tables sized like mlua's
 * create_table_with_capacity, each value made before its key. */
void json_push(lua_State *L, const struct json *v)
{
    switch (v->type) {
    case JSON_NULL:
        lua_pushnil(L);
        break;
    case JSON_BOOL:
        lua_pushboolean(L, v->u.boolean);
        break;
    case JSON_INT:
        lua_pushinteger(L, v->u.integer);
        break;
    case JSON_FLOAT:
        lua_pushnumber(L, v->u.number);
        break;
    case JSON_STR:
        lua_pushlstring(L, v->u.str.bytes, v->u.str.len);
        break;
    case JSON_ARRAY:
        luaL_checkstack(L, 4, "JSON nesting");
        lua_createtable(L, (int)v->count, 0);
        for (uint32_t i = 0; i < v->count; i++) {
            json_push(L, &v->u.items[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    default:
        luaL_checkstack(L, 4, "JSON nesting");
        lua_createtable(L, 0, (int)v->count);
        for (uint32_t i = 0; i < v->count; i++) {
            json_push(L, &v->u.members[i].value);
            lua_pushlstring(L, v->u.members[i].key, v->u.members[i].key_len);
            lua_insert(L, -2);
            lua_rawset(L, -3);
        }
        break;
    }
}

/* ---- Byte buffer ------------------------------------------------------------------------- */

void bytes_add(struct bytes *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->len + n + 1) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) {
            shim_fatal("out of memory (firmware heap)");
        }
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}
