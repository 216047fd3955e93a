/* json.c: the firmware's JSON values: configuration, event data and JSON.decode results.
 *
 * The simulator holds these as serde_json values (sim/src/bindings/convert.rs), so this file
 * reproduces what serde_json 1.x does with them, byte for byte where a script can see it:
 * the parser follows serde_json's (default features) step by step, so the same inputs are
 * accepted, numbers get the same values (integers that fit i64 or u64, floats from the
 * significand times or divided by a power of ten, exactly as serde_json computes them without
 * `float_roundtrip`) and bad input gets the same message and `line N column M`; object members
 * are kept sorted by key, a repeated key keeping its last value (serde_json's BTreeMap);
 * floats are printed shortest-round-trip in the layout of zmij, serde_json's float printer
 * (`22.5`, `1.0`, `1e+20`, `1.5e-7`).
 * Values live on the FreeRTOS heap, not the Lua heap, like the simulator's host memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

/* ---- Values ---------------------------------------------------------------------------- */

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

/* ---- Parser (serde_json::from_str) ------------------------------------------------------ */

static const double POW10[309] = {
#include "json_pow10.inc"
};

struct parser {
    const uint8_t *s;
    size_t len;
    size_t index;
    int remaining_depth;
    const char *error;
    size_t error_at; /* index the error's line and column are computed from */
};

/* Error caused by a byte from next(): at the current index. */
static bool error_next(struct parser *p, const char *code)
{
    p->error = code;
    p->error_at = p->index;
    return false;
}

/* Error caused by a byte from peek(): one past the current index, capped at the end. */
static bool error_peek(struct parser *p, const char *code)
{
    p->error = code;
    p->error_at = p->index + 1 < p->len ? p->index + 1 : p->len;
    return false;
}

static int peek(struct parser *p)
{
    return p->index < p->len ? p->s[p->index] : -1;
}

static int peek_or_null(struct parser *p)
{
    return p->index < p->len ? p->s[p->index] : 0;
}

static int next(struct parser *p)
{
    return p->index < p->len ? p->s[p->index++] : -1;
}

static int skip_whitespace(struct parser *p)
{
    for (;;) {
        int c = peek(p);
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            p->index++;
        } else {
            return c;
        }
    }
}

static bool parse_value(struct parser *p, struct json *out);

static bool parse_ident(struct parser *p, const char *rest)
{
    for (; *rest; rest++) {
        int c = next(p);
        if (c < 0) {
            return error_next(p, "EOF while parsing a value");
        }
        if (c != *rest) {
            return error_next(p, "expected ident");
        }
    }
    return true;
}

/* serde_json's overflow!(a * 10 + b, max) */
static bool overflows_u64(uint64_t a, unsigned b)
{
    return a >= UINT64_MAX / 10 && (a > UINT64_MAX / 10 || b > UINT64_MAX % 10);
}

static bool f64_from_parts(struct parser *p, bool positive, uint64_t significand, int64_t exponent, double *out)
{
    double f = (double)significand;
    for (;;) {
        uint64_t mag = exponent < 0 ? (uint64_t)(-exponent) : (uint64_t)exponent;
        if (mag < 309) {
            if (exponent >= 0) {
                f *= POW10[mag];
                if (f == __builtin_inf()) {
                    return error_next(p, "number out of range");
                }
            } else {
                f /= POW10[mag];
            }
            break;
        }
        if (f == 0.0) {
            break;
        }
        if (exponent >= 0) {
            return error_next(p, "number out of range");
        }
        f /= 1e308;
        exponent += 308;
    }
    *out = positive ? f : -f;
    return true;
}

static bool parse_exponent(struct parser *p, bool positive, uint64_t significand, int64_t starting, double *out)
{
    p->index++;
    bool positive_exp = true;
    int c = peek_or_null(p);
    if (c == '+' || c == '-') {
        positive_exp = c == '+';
        p->index++;
    }
    c = next(p);
    if (c < 0) {
        return error_next(p, "EOF while parsing a value");
    }
    if (c < '0' || c > '9') {
        return error_next(p, "invalid number");
    }
    int32_t exp = c - '0';
    while ((c = peek_or_null(p)) >= '0' && c <= '9') {
        p->index++;
        int32_t digit = c - '0';
        if (exp >= INT32_MAX / 10 && (exp > INT32_MAX / 10 || digit > INT32_MAX % 10)) {
            if (significand != 0 && positive_exp) {
                return error_next(p, "number out of range");
            }
            while ((c = peek_or_null(p)) >= '0' && c <= '9') p->index++;
            *out = positive ? 0.0 : -0.0;
            return true;
        }
        exp = exp * 10 + digit;
    }
    int64_t final_exp = positive_exp ? starting + exp : starting - exp;
    if (final_exp > INT32_MAX) final_exp = INT32_MAX;
    if (final_exp < INT32_MIN) final_exp = INT32_MIN;
    return f64_from_parts(p, positive, significand, final_exp, out);
}

static bool parse_decimal(struct parser *p, bool positive, uint64_t significand, int64_t before, double *out)
{
    p->index++;
    int64_t after = 0;
    int c;
    while ((c = peek_or_null(p)) >= '0' && c <= '9') {
        unsigned digit = (unsigned)(c - '0');
        if (overflows_u64(significand, digit)) {
            while ((c = peek_or_null(p)) >= '0' && c <= '9') p->index++;
            if (c == 'e' || c == 'E') {
                return parse_exponent(p, positive, significand, before + after, out);
            }
            return f64_from_parts(p, positive, significand, before + after, out);
        }
        p->index++;
        significand = significand * 10 + digit;
        after--;
    }
    if (after == 0) {
        return error_peek(p, peek(p) < 0 ? "EOF while parsing a value" : "invalid number");
    }
    c = peek_or_null(p);
    if (c == 'e' || c == 'E') {
        return parse_exponent(p, positive, significand, before + after, out);
    }
    return f64_from_parts(p, positive, significand, before + after, out);
}

static bool float_value(struct json *out, bool ok, double x)
{
    out->type = JSON_FLOAT;
    out->u.number = x;
    return ok;
}

/* parse_number after the integer part: a float, or an integer (u64, or i64 when negative;
 * -0 and negatives below i64 become floats). Values beyond i64 are floats for Lua. */
static bool parse_number(struct parser *p, bool positive, uint64_t significand, struct json *out)
{
    double x = 0;
    int c = peek_or_null(p);
    if (c == '.') {
        return float_value(out, parse_decimal(p, positive, significand, 0, &x), x);
    }
    if (c == 'e' || c == 'E') {
        return float_value(out, parse_exponent(p, positive, significand, 0, &x), x);
    }
    if (positive) {
        if (significand > (uint64_t)INT64_MAX) {
            return float_value(out, true, (double)significand);
        }
        out->type = JSON_INT;
        out->u.integer = (int64_t)significand;
        return true;
    }
    int64_t neg = (int64_t)(0u - significand);
    if (neg >= 0) {
        return float_value(out, true, -(double)significand);
    }
    out->type = JSON_INT;
    out->u.integer = neg;
    return true;
}

static bool parse_integer(struct parser *p, bool positive, struct json *out)
{
    int c = next(p);
    if (c < 0) {
        return error_next(p, "EOF while parsing a value");
    }
    if (c == '0') {
        int d = peek_or_null(p);
        if (d >= '0' && d <= '9') {
            return error_peek(p, "invalid number");
        }
        return parse_number(p, positive, 0, out);
    }
    if (c < '1' || c > '9') {
        return error_next(p, "invalid number");
    }
    uint64_t significand = (uint64_t)(c - '0');
    while ((c = peek_or_null(p)) >= '0' && c <= '9') {
        unsigned digit = (unsigned)(c - '0');
        if (overflows_u64(significand, digit)) {
            /* parse_long_integer: the remaining digits only raise the exponent */
            int64_t exponent = 0;
            double x = 0;
            while ((c = peek_or_null(p)) >= '0' && c <= '9') {
                p->index++;
                exponent++;
            }
            bool ok;
            if (c == '.') {
                ok = parse_decimal(p, positive, significand, exponent, &x);
            } else if (c == 'e' || c == 'E') {
                ok = parse_exponent(p, positive, significand, exponent, &x);
            } else {
                ok = f64_from_parts(p, positive, significand, exponent, &x);
            }
            return float_value(out, ok, x);
        }
        p->index++;
        significand = significand * 10 + digit;
    }
    return parse_number(p, positive, significand, out);
}

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

static void push_utf8(struct bytes *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    bytes_add(b, u, n);
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool decode_hex_escape(struct parser *p, uint32_t *n)
{
    if (p->len - p->index < 4) {
        p->index = p->len;
        return error_next(p, "EOF while parsing a string");
    }
    uint32_t v = 0;
    bool ok = true;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p->s[p->index + i]);
        ok = ok && d >= 0;
        v = v << 4 | (uint32_t)(d < 0 ? 0 : d);
    }
    p->index += 4;
    *n = v;
    return ok || error_next(p, "invalid escape");
}

static bool parse_unicode_escape(struct parser *p, struct bytes *b)
{
    uint32_t n;
    if (!decode_hex_escape(p, &n)) {
        return false;
    }
    if (n >= 0xDC00 && n <= 0xDFFF) {
        return error_next(p, "lone leading surrogate in hex escape");
    }
    if (n < 0xD800 || n > 0xDBFF) {
        push_utf8(b, n);
        return true;
    }
    for (const char *want = "\\u"; *want; want++) {
        int c = peek(p);
        if (c < 0) {
            return error_next(p, "EOF while parsing a string");
        }
        p->index++;
        if (c != *want) {
            return error_next(p, "unexpected end of hex escape");
        }
    }
    uint32_t n2;
    if (!decode_hex_escape(p, &n2)) {
        return false;
    }
    if (n2 < 0xDC00 || n2 > 0xDFFF) {
        return error_next(p, "lone leading surrogate in hex escape");
    }
    push_utf8(b, (((n - 0xD800) << 10) | (n2 - 0xDC00)) + 0x10000);
    return true;
}

static bool parse_escape(struct parser *p, struct bytes *b)
{
    int c = next(p);
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (c < 0) {
        return error_next(p, "EOF while parsing a string");
    }
    if (c == 'u') {
        return parse_unicode_escape(p, b);
    }
    const char *at = c ? strchr(from, c) : NULL;
    if (!at) {
        return error_next(p, "invalid escape");
    }
    bytes_add(b, &to[at - from], 1);
    return true;
}

/* After the opening quote; the bytes go to `b` (NUL-terminated). */
static bool parse_string(struct parser *p, struct bytes *b)
{
    bytes_add(b, "", 0);
    for (;;) {
        size_t start = p->index;
        while (p->index < p->len && p->s[p->index] != '"' && p->s[p->index] != '\\' && p->s[p->index] >= 0x20) {
            p->index++;
        }
        bytes_add(b, p->s + start, p->index - start);
        if (p->index == p->len) {
            return error_next(p, "EOF while parsing a string");
        }
        uint8_t c = p->s[p->index++];
        if (c == '"') {
            return true;
        }
        if (c != '\\') {
            return error_next(p, "control character (\\u0000-\\u001F) found while parsing a string");
        }
        if (!parse_escape(p, b)) {
            return false;
        }
    }
}

static bool string_value(struct parser *p, struct json *out)
{
    struct bytes b = { 0 };
    bool ok = parse_string(p, &b);
    out->type = JSON_STR;
    out->u.str.bytes = b.data;
    out->u.str.len = (uint32_t)b.len;
    return ok;
}

static bool parse_array(struct parser *p, struct json *out)
{
    out->type = JSON_ARRAY;
    size_t cap = 0;
    for (bool first = true;; first = false) {
        int c = skip_whitespace(p);
        if (c < 0) {
            return error_peek(p, "EOF while parsing a list");
        }
        if (c == ']') {
            break;
        }
        if (!first) {
            if (c != ',') {
                return error_peek(p, "expected `,` or `]`");
            }
            p->index++;
            c = skip_whitespace(p);
            if (c == ']') {
                return error_peek(p, "trailing comma");
            }
            if (c < 0) {
                return error_peek(p, "EOF while parsing a value");
            }
        }
        if (out->count == cap) {
            cap = cap ? cap * 2 : 4;
            out->u.items = realloc(out->u.items, sizeof *out->u.items * cap);
            if (!out->u.items) {
                shim_fatal("out of memory (firmware heap)");
            }
        }
        struct json *item = &out->u.items[out->count++];
        memset(item, 0, sizeof *item);
        if (!parse_value(p, item)) {
            return false;
        }
    }
    p->index++;
    return true;
}

static bool parse_object(struct parser *p, struct json *out)
{
    out->type = JSON_OBJECT;
    for (bool first = true;; first = false) {
        int c = skip_whitespace(p);
        if (c < 0) {
            return error_peek(p, "EOF while parsing an object");
        }
        if (c == '}') {
            break;
        }
        if (!first) {
            if (c != ',') {
                return error_peek(p, "expected `,` or `}`");
            }
            p->index++;
            c = skip_whitespace(p);
            if (c == '}') {
                return error_peek(p, "trailing comma");
            }
            if (c < 0) {
                return error_peek(p, "EOF while parsing a value");
            }
        }
        if (c != '"') {
            return error_peek(p, "key must be a string");
        }
        p->index++;
        struct bytes key = { 0 };
        if (!parse_string(p, &key)) {
            free(key.data);
            return false;
        }
        c = skip_whitespace(p);
        struct json value = { .type = JSON_NULL };
        bool ok = c == ':' ? (p->index++, parse_value(p, &value))
                           : error_peek(p, c < 0 ? "EOF while parsing an object" : "expected `:`");
        json_object_insert(out, key.data, (uint32_t)key.len, &value);
        if (!ok) {
            return false;
        }
    }
    p->index++;
    return true;
}

static bool parse_value(struct parser *p, struct json *out)
{
    int c = skip_whitespace(p);
    switch (c) {
    case -1:
        return error_peek(p, "EOF while parsing a value");
    case 'n':
        p->index++;
        out->type = JSON_NULL;
        return parse_ident(p, "ull");
    case 't':
    case 'f':
        p->index++;
        out->type = JSON_BOOL;
        out->u.boolean = c == 't';
        return parse_ident(p, c == 't' ? "rue" : "alse");
    case '-':
        p->index++;
        return parse_integer(p, false, out);
    case '"':
        p->index++;
        return string_value(p, out);
    case '[':
    case '{': {
        if (--p->remaining_depth == 0) {
            return error_peek(p, "recursion limit exceeded");
        }
        p->index++;
        bool ok = c == '[' ? parse_array(p, out) : parse_object(p, out);
        p->remaining_depth++;
        return ok;
    }
    default:
        if (c >= '0' && c <= '9') {
            return parse_integer(p, true, out);
        }
        return error_peek(p, "expected value");
    }
}

/* serde_json::from_str; on failure `out` is null and `error` holds serde_json's message. */
bool json_parse(const char *text, size_t len, struct json *out, char *error, size_t error_size)
{
    struct parser p = { (const uint8_t *)text, len, 0, 128, NULL, 0 };
    memset(out, 0, sizeof *out);
    bool ok = parse_value(&p, out);
    if (ok && skip_whitespace(&p) >= 0) {
        ok = error_peek(&p, "trailing characters");
    }
    if (ok) {
        return true;
    }
    json_free(out);
    size_t line_start = 0, line = 1;
    for (size_t i = 0; i < p.error_at; i++) {
        if (p.s[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    snprintf(error, error_size, "%s at line %lu column %lu", p.error, (unsigned long)line,
             (unsigned long)(p.error_at - line_start));
    return false;
}

/* ---- Float text (zmij, as serde_json prints f64) ---------------------------------------- */

/* Shortest round-trip digits, exactly: Burger and Dybvig's free-format algorithm on big
 * integers (no float arithmetic, no libc conversion, whose last digits differ between C
 * libraries). Among the shortest digit strings that read back as `x` it picks the one closest
 * to `x` (an exact tie: the even digit), as serde_json's printer does. */

#define BIG_WORDS 48

struct big {
    uint32_t w[BIG_WORDS]; /* little-endian 32-bit words */
    int n;                 /* words in use */
};

static void big_set(struct big *b, uint64_t v)
{
    memset(b, 0, sizeof *b);
    b->w[0] = (uint32_t)v;
    b->w[1] = (uint32_t)(v >> 32);
    b->n = b->w[1] ? 2 : (b->w[0] ? 1 : 0);
}

static void big_mul_small(struct big *b, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        b->w[b->n++] = (uint32_t)carry;
    }
}

static void big_shl(struct big *b, int bits)
{
    for (; bits >= 31; bits -= 31) {
        big_mul_small(b, 1u << 31);
    }
    if (bits > 0) {
        big_mul_small(b, 1u << bits);
    }
}

static void big_mul_pow10(struct big *b, int k)
{
    for (; k >= 9; k -= 9) {
        big_mul_small(b, 1000000000u);
    }
    for (; k > 0; k--) {
        big_mul_small(b, 10);
    }
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n) {
        return a->n < b->n ? -1 : 1;
    }
    for (int i = a->n - 1; i >= 0; i--) {
        if (a->w[i] != b->w[i]) {
            return a->w[i] < b->w[i] ? -1 : 1;
        }
    }
    return 0;
}

static void big_add(struct big *out, const struct big *a, const struct big *b)
{
    int n = a->n > b->n ? a->n : b->n;
    uint64_t carry = 0;
    for (int i = 0; i < n; i++) {
        uint64_t t = (uint64_t)(i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0) + carry;
        out->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    out->n = n;
    if (carry) {
        out->w[out->n++] = (uint32_t)carry;
    }
}

/* a -= b, with a >= b */
static void big_sub(struct big *a, const struct big *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
        borrow = t < 0;
        a->w[i] = (uint32_t)(t + (borrow ? (int64_t)1 << 32 : 0));
    }
    while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

/* r + m compared with s */
static int big_cmp_sum(const struct big *r, const struct big *m, const struct big *s)
{
    struct big sum;
    big_add(&sum, r, m);
    return big_cmp(&sum, s);
}

/* digits[0..n) with x = 0.d1d2... x 10^point, for finite x > 0. */
static int shortest_digits(double x, char *digits, int *point)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7FF);
    uint64_t f = bits & ((1ull << 52) - 1);
    int e = biased ? biased - 1075 : -1074;
    if (biased) {
        f |= 1ull << 52;
    }
    bool even = (f & 1) == 0;
    bool unequal_gaps = biased > 1 && f == 1ull << 52; /* the gap below is half the gap above */
    struct big r, s, mp, mm;
    big_set(&r, f);
    big_set(&s, 1);
    big_set(&mp, 1);
    big_set(&mm, 1);
    int shift = unequal_gaps ? 2 : 1;
    big_shl(&r, shift);
    big_shl(&s, shift);
    if (unequal_gaps) {
        big_shl(&mp, 1);
    }
    if (e >= 0) {
        big_shl(&r, e);
        big_shl(&mp, e);
        big_shl(&mm, e);
    } else {
        big_shl(&s, -e);
    }
    int k = (int)__builtin_ceil(__builtin_log10(x) - 1e-10);
    if (k >= 0) {
        big_mul_pow10(&s, k);
    } else {
        big_mul_pow10(&r, -k);
        big_mul_pow10(&mp, -k);
        big_mul_pow10(&mm, -k);
    }
    int high = big_cmp_sum(&r, &mp, &s);
    if (even ? high >= 0 : high > 0) {
        k++;
    } else {
        big_mul_small(&r, 10);
        big_mul_small(&mp, 10);
        big_mul_small(&mm, 10);
    }
    int n = 0;
    for (;;) {
        int d = 0;
        while (big_cmp(&r, &s) >= 0) {
            big_sub(&r, &s);
            d++;
        }
        int low = big_cmp(&r, &mm);
        high = big_cmp_sum(&r, &mp, &s);
        bool tc1 = even ? low <= 0 : low < 0;
        bool tc2 = even ? high >= 0 : high > 0;
        if (!tc1 && !tc2) {
            digits[n++] = (char)('0' + d);
            big_mul_small(&r, 10);
            big_mul_small(&mp, 10);
            big_mul_small(&mm, 10);
            continue;
        }
        if (tc1 && tc2) {
            /* both would do: the closer one; an exact tie goes to the even digit */
            struct big twice = r;
            big_mul_small(&twice, 2);
            int c = big_cmp(&twice, &s);
            tc2 = c > 0 || (c == 0 && (d & 1));
        }
        digits[n++] = (char)('0' + d + (tc2 ? 1 : 0));
        *point = k;
        return n;
    }
}

/* zmij::Buffer::format_finite: fixed notation for decimal exponents -5 ..= 15, else
 * `d.ddde+N` / `de-N`. */
size_t json_format_float(double x, char *out)
{
    size_t i = 0;
    if (__builtin_signbit(x)) {
        out[i++] = '-';
        x = -x;
    }
    if (x == 0.0) {
        memcpy(out + i, "0.0", 4);
        return i + 3;
    }
    char d[24];
    int kk;
    int length = shortest_digits(x, d, &kk);
    int k = kk - length;
    if (0 <= k && kk <= 16) {
        memcpy(out + i, d, (size_t)length);
        i += (size_t)length;
        for (int j = length; j < kk; j++) out[i++] = '0';
        out[i++] = '.';
        out[i++] = '0';
    } else if (0 < kk && kk <= 16) {
        memcpy(out + i, d, (size_t)kk);
        i += (size_t)kk;
        out[i++] = '.';
        memcpy(out + i, d + kk, (size_t)(length - kk));
        i += (size_t)(length - kk);
    } else if (-5 < kk && kk <= 0) {
        out[i++] = '0';
        out[i++] = '.';
        for (int j = kk; j < 0; j++) out[i++] = '0';
        memcpy(out + i, d, (size_t)length);
        i += (size_t)length;
    } else {
        out[i++] = d[0];
        if (length > 1) {
            out[i++] = '.';
            memcpy(out + i, d + 1, (size_t)(length - 1));
            i += (size_t)(length - 1);
        }
        i += (size_t)sprintf(out + i, "e%+d", kk - 1);
    }
    out[i] = 0;
    return i;
}
