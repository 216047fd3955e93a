/* json_parse.c: serde_json::from_str for the firmware (JSON.decode, src/json_module.c).
 *
 * The simulator parses with serde_json 1.x (default features), so this parser follows
 * serde_json's step by step, byte for byte where a script can see it: the same inputs are
 * accepted, numbers get the same values (integers that fit i64 or u64, floats from the
 * significand times or divided by a power of ten, exactly as serde_json computes them without
 * `float_roundtrip`) and bad input gets the same message and `line N column M`. The values it
 * builds are src/json_value.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

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
