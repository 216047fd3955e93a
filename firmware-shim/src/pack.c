/* pack.c: reads the packed scenario (format: docs/pack-format.md, writer: sim/core/src/pack.rs).
 *
 * The host places the blob in RAM (`-device loader,file=blob.bin,addr=0x81000000` on QEMU), so
 * one firmware build serves every scenario. Strings and file contents are used in place;
 * the step, file and module tables and the JSON values (configuration, event data, GNSS fixes) are
 * allocated. Every length is checked against the blob. */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* Magic, version, offsets, section tags, step kinds and value tags: contract.h. */
#define MAX_VALUE_DEPTH 200

struct cursor {
    const uint8_t *base;
    size_t len;
    size_t pos;
    bool ok;
};

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static const uint8_t *take(struct cursor *c, size_t n)
{
    if (!c->ok || n > c->len - c->pos) {
        c->ok = false;
        return NULL;
    }
    const uint8_t *p = c->base + c->pos;
    c->pos += n;
    return p;
}

static uint32_t read_u32(struct cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p ? get_u32(p) : 0;
}

static uint64_t read_u64(struct cursor *c)
{
    const uint8_t *p = take(c, 8);
    return p ? get_u64(p) : 0;
}

/* A string or byte block: u32 length, the bytes, a NUL, zero padding to a multiple of 4. */
static const char *read_str(struct cursor *c, uint32_t *len)
{
    uint32_t n = read_u32(c);
    const uint8_t *p = take(c, (size_t)n + 1);
    if (!p || p[n] != 0) {
        c->ok = false;
        return NULL;
    }
    size_t pad = (4 - (c->pos & 3)) & 3;
    take(c, pad);
    if (len) *len = n;
    return (const char *)p;
}

static bool fail(const char **error, const char *why)
{
    *error = why;
    return false;
}

uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

/* A JSON value: u32 tag, then its payload (docs/pack-format.md). */
static bool read_value(struct cursor *c, struct json *v, int depth)
{
    memset(v, 0, sizeof *v);
    uint32_t tag = read_u32(c);
    if (!c->ok || depth > MAX_VALUE_DEPTH) {
        return false;
    }
    switch (tag) {
    case PACK_VALUE_NULL:
        v->type = JSON_NULL;
        return true;
    case PACK_VALUE_BOOL:
        v->type = JSON_BOOL;
        v->u.boolean = read_u32(c) != 0;
        return c->ok;
    case PACK_VALUE_INT:
        v->type = JSON_INT;
        v->u.integer = (int64_t)read_u64(c);
        return c->ok;
    case PACK_VALUE_FLOAT: {
        uint64_t bits = read_u64(c);
        v->type = JSON_FLOAT;
        memcpy(&v->u.number, &bits, sizeof bits);
        return c->ok;
    }
    case PACK_VALUE_STR: {
        uint32_t len = 0;
        const char *s = read_str(c, &len);
        v->type = JSON_STR;
        v->u.str.bytes = json_alloc((size_t)len + 1);
        v->u.str.len = len;
        if (s) memcpy(v->u.str.bytes, s, (size_t)len + 1);
        return c->ok;
    }
    case PACK_VALUE_ARRAY:
    case PACK_VALUE_OBJECT: {
        uint32_t n = read_u32(c);
        if (!c->ok || n > c->len - c->pos) {
            return false;
        }
        bool object = tag == PACK_VALUE_OBJECT;
        v->type = object ? JSON_OBJECT : JSON_ARRAY;
        v->count = n;
        if (object) {
            v->u.members = json_alloc(sizeof *v->u.members * n);
        } else {
            v->u.items = json_alloc(sizeof *v->u.items * n);
        }
        for (uint32_t i = 0; i < n; i++) {
            struct json *item = object ? &v->u.members[i].value : &v->u.items[i];
            if (object) {
                uint32_t len = 0;
                const char *key = read_str(c, &len);
                v->u.members[i].key = json_alloc((size_t)len + 1);
                v->u.members[i].key_len = len;
                if (key) memcpy(v->u.members[i].key, key, (size_t)len + 1);
            }
            if (!read_value(c, item, depth + 1)) {
                return false;
            }
        }
        return true;
    }
    default:
        return false;
    }
}

/* A publish step's topic and arguments (u32 count, then each: u32 tag and its value). */
static bool read_publish(struct cursor *c, struct pack_step *st, const char **error)
{
    st->topic = read_str(c, &st->topic_len);
    st->argc = read_u32(c);
    if (!c->ok || st->argc > 4096u) {
        return fail(error, "bad publish step");
    }
    st->args = calloc(st->argc ? st->argc : 1, sizeof *st->args);
    if (!st->args) {
        return fail(error, "out of memory reading the scenario");
    }
    for (uint32_t k = 0; k < st->argc && c->ok; k++) {
        struct pack_arg *a = &st->args[k];
        a->tag = read_u32(c);
        switch (a->tag) {
        case PACK_ARG_BOOL:
        case PACK_ARG_INT:
            a->integer = (int64_t)read_u64(c);
            break;
        case PACK_ARG_FLOAT: {
            uint64_t bits = read_u64(c);
            memcpy(&a->number, &bits, sizeof bits);
            break;
        }
        case PACK_ARG_STR:
            a->str = read_str(c, &a->str_len);
            break;
        default:
            return fail(error, "bad publish argument tag");
        }
    }
    return c->ok || fail(error, "bad publish step");
}

/* A step: u64 at, u32 kind, string text, then the kind's own fields (docs/pack-format.md). */
static bool read_step(struct cursor *c, struct pack_step *st, const char **error)
{
    st->at_us = read_u64(c);
    st->kind = read_u32(c);
    st->text = read_str(c, &st->text_len);
    switch (st->kind) {
    case PACK_STEP_PUBLISH:
        return read_publish(c, st, error);
    case PACK_STEP_MQTT:
    case PACK_STEP_WRITE:
        st->topic = read_str(c, &st->topic_len);
        st->payload = read_str(c, &st->payload_len);
        return c->ok || fail(error, "bad step");
    case PACK_STEP_EVENT:
    case PACK_STEP_CONFIG:
        st->topic = read_str(c, &st->topic_len);
        return (c->ok && read_value(c, &st->value, 0)) || fail(error, "bad step value");
    case PACK_STEP_GPIO:
        st->pin = read_u32(c);
        return c->ok || fail(error, "bad step");
    case PACK_STEP_POWER_LOSS:
        st->off_us = read_u64(c);
        st->during_write = read_u32(c);
        return c->ok || fail(error, "bad step");
    case PACK_STEP_MQTT_DISCONNECT:
        st->off_us = read_u64(c);
        return c->ok || fail(error, "bad step");
    case PACK_STEP_GNSS:
        st->fix_lost = read_u32(c) == 0;
        return (c->ok && (st->fix_lost || read_value(c, &st->value, 0))) || fail(error, "bad gnss step");
    case PACK_STEP_CLOCK_JUMP:
        st->jump_us = (int64_t)read_u64(c);
        return c->ok || fail(error, "bad step");
    case PACK_STEP_RELOAD:
    case PACK_STEP_BROWNOUT:
    case PACK_STEP_WATCHDOG_RESET:
        return c->ok || fail(error, "bad step");
    default:
        return fail(error, "unknown step kind (packed by a newer luasim?)");
    }
}

/* ---- Sections: one reader each ----------------------------------------------------------- */

/* One pass over the sections. The first (`fill` false) only counts files and steps, so that
 * the second can allocate their tables first and fill them. */
struct pass {
    struct scenario *s;
    bool fill;
    uint32_t files, steps; /* file and step sections seen so far */
    const char **error;
};

/* Each reads its section's payload from `in`; false (with *error set) stops the read. A
 * reader that reads its payload only when filling marks it all read on both passes. */

static bool read_profile_name(struct cursor *in, struct pass *p)
{
    p->s->profile = read_str(in, NULL);
    return true;
}

static bool read_file(struct cursor *in, struct pass *p)
{
    if (p->fill) {
        struct pack_file *f = &p->s->files[p->files];
        f->path = read_str(in, NULL);
        f->data = (const uint8_t *)read_str(in, &f->len);
    }
    p->files++;
    return true;
}

static bool read_step_section(struct cursor *in, struct pass *p)
{
    struct pack_step *steps = p->s->steps;
    if (p->fill && !read_step(in, &steps[p->steps], p->error)) {
        return false;
    }
    if (p->fill && p->steps > 0 && steps[p->steps].at_us < steps[p->steps - 1].at_us) {
        return fail(p->error, "steps are not sorted by time");
    }
    p->steps++;
    return true;
}

static bool read_ip(struct cursor *in, struct pass *p)
{
    p->s->ip = read_str(in, NULL);
    return true;
}

static bool read_watchdog(struct cursor *in, struct pass *p)
{
    p->s->watchdog_ms = read_u64(in);
    p->s->instructions_per_ms = read_u64(in);
    return true;
}

static bool read_config(struct cursor *in, struct pass *p)
{
    if (p->fill && !read_value(in, &p->s->config, 0)) {
        return fail(p->error, "bad configuration section");
    }
    in->pos = in->len;
    return true;
}

/* u32 naive_reload, u32 module count, the module names. */
static bool read_build(struct cursor *in, struct pass *p)
{
    struct scenario *s = p->s;
    if (p->fill) {
        s->naive_reload = read_u32(in) != 0;
        s->module_count = read_u32(in);
        if (!in->ok || s->module_count > in->len / 8) {
            return fail(p->error, "bad build section");
        }
        s->modules = json_alloc(sizeof *s->modules * (s->module_count ? s->module_count : 1));
        for (uint32_t i = 0; i < s->module_count; i++) {
            s->modules[i] = read_str(in, NULL);
        }
        if (!in->ok) {
            return fail(p->error, "bad build section");
        }
    }
    in->pos = in->len;
    return true;
}

static bool read_sleep_region(struct cursor *in, struct pass *p)
{
    p->s->sleep_region_bytes = read_u32(in);
    p->s->sleep_flags = read_u32(in);
    return true;
}

static bool read_gnss(struct cursor *in, struct pass *p)
{
    if (p->fill && !read_value(in, &p->s->gnss, 0)) {
        return fail(p->error, "bad GNSS section");
    }
    p->s->has_gnss = true;
    in->pos = in->len;
    return true;
}

static bool read_section(uint32_t tag, struct cursor *in, struct pass *p)
{
    switch (tag) {
    case PACK_SECTION_PROFILE_NAME:
        return read_profile_name(in, p);
    case PACK_SECTION_FILE:
        return read_file(in, p);
    case PACK_SECTION_STEP:
        return read_step_section(in, p);
    case PACK_SECTION_IP:
        return read_ip(in, p);
    case PACK_SECTION_WATCHDOG:
        return read_watchdog(in, p);
    case PACK_SECTION_CONFIG:
        return read_config(in, p);
    case PACK_SECTION_BUILD:
        return read_build(in, p);
    case PACK_SECTION_SLEEP_REGION:
        return read_sleep_region(in, p);
    case PACK_SECTION_GNSS:
        return read_gnss(in, p);
    default:
        in->pos = in->len; /* a newer section this firmware does not know: skipped */
        return true;
    }
}

/* The sections after the header, each a u32 tag, a u32 payload length (a multiple of 4) and the
 * payload; when filling, a known section's payload must be read to its end. */
static bool read_sections(const uint8_t *blob, uint32_t total, struct pass *p)
{
    struct cursor c = { blob, total, PACK_HEADER_LEN, true };
    while (c.ok && c.pos < total) {
        uint32_t tag = read_u32(&c);
        uint32_t len = read_u32(&c);
        const uint8_t *payload = take(&c, len);
        if (!payload || (len & 3) != 0) {
            return fail(p->error, "bad section header");
        }
        struct cursor in = { payload, len, 0, true };
        if (!read_section(tag, &in, p)) {
            return false;
        }
        if (!in.ok || (p->fill && in.pos != len)) {
            return fail(p->error, "malformed section");
        }
    }
    return c.ok || fail(p->error, "packed scenario is truncated");
}

/* ---- The blob ---------------------------------------------------------------------------- */

/* The fixed header: magic, version, length and CRC checked, the profile's figures into `s`;
 * the blob's total length in *total. */
static bool read_header(const uint8_t *blob, size_t capacity, struct scenario *s, uint32_t *total,
                        const char **error)
{
    if (capacity < PACK_HEADER_LEN || memcmp(blob + PACK_AT_MAGIC, PACK_MAGIC, sizeof PACK_MAGIC - 1) != 0) {
        return fail(error, "no packed scenario at the blob address (bad magic)");
    }
    if (get_u32(blob + PACK_AT_VERSION) != PACK_VERSION) {
        return fail(error, "packed scenario has an unsupported format version");
    }
    *total = get_u32(blob + PACK_AT_TOTAL_LEN);
    if (*total < PACK_HEADER_LEN || *total > capacity) {
        return fail(error, "packed scenario length out of range");
    }
    if (crc32_ieee(blob + PACK_CRC_START, *total - PACK_CRC_START) != get_u32(blob + PACK_AT_CRC)) {
        return fail(error, "packed scenario checksum mismatch");
    }
    s->crc = get_u32(blob + PACK_AT_CRC);
    s->tick_hz = get_u32(blob + PACK_AT_TICK_HZ);
    s->queue_len = get_u32(blob + PACK_AT_QUEUE_LEN);
    s->timer_slots = get_u32(blob + PACK_AT_TIMER_SLOTS);
    s->lua_heap_bytes = get_u32(blob + PACK_AT_LUA_HEAP_BYTES);
    s->start_tick = get_u32(blob + PACK_AT_START_TICK);
    s->boot_us = get_u64(blob + PACK_AT_BOOT_US);
    s->duration_us = get_u64(blob + PACK_AT_DURATION_US);
    s->seed = get_u64(blob + PACK_AT_SEED);
    if (s->tick_hz == 0 || s->tick_hz > 1000000u) {
        return fail(error, "tick_hz out of range (1..1000000)");
    }
    if (s->queue_len == 0 || s->queue_len > 65536u || s->timer_slots > 4096u) {
        return fail(error, "queue length or timer slots out of range");
    }
    return true;
}

bool pack_read(const uint8_t *blob, size_t capacity, struct scenario *s, const char **error)
{
    memset(s, 0, sizeof *s);
    uint32_t total;
    if (!read_header(blob, capacity, s, &total, error)) {
        return false;
    }
    struct pass count = { s, false, 0, 0, error };
    if (!read_sections(blob, total, &count)) {
        return false;
    }
    if (count.files > 4096u || count.steps > 2000000u) {
        return fail(error, "too many files or steps");
    }
    s->file_count = count.files;
    s->step_count = count.steps;
    s->files = calloc(s->file_count ? s->file_count : 1, sizeof *s->files);
    s->steps = calloc(s->step_count ? s->step_count : 1, sizeof *s->steps);
    if (!s->files || !s->steps) {
        return fail(error, "out of memory reading the scenario");
    }
    struct pass fill = { s, true, 0, 0, error };
    if (!read_sections(blob, total, &fill)) {
        return false;
    }
    if (!s->profile) {
        return fail(error, "packed scenario has no profile name");
    }
    if (!s->ip) {
        s->ip = "";
    }
    return true;
}

bool pack_has_module(const struct scenario *s, const char *module)
{
    for (uint32_t i = 0; i < s->module_count; i++) {
        if (strcmp(s->modules[i], module) == 0) {
            return true;
        }
    }
    return false;
}

const struct pack_file *pack_find_file(const struct scenario *s, const char *path)
{
    for (uint32_t i = 0; i < s->file_count; i++) {
        if (strcmp(s->files[i].path, path) == 0) {
            return &s->files[i];
        }
    }
    return NULL;
}
