/* sleep_region.c: the sleep-region store's byte image (format LSR1, docs/sleep-region.md).
 *
 * The region lives in the board's retained memory, which a machine reset (deep-sleep wake,
 * reboot) keeps and which start-up never clears; the playback wipes it on power-on, brownout
 * and power loss. The image is the only copy of the store: lookups walk it, and every write
 * builds the new payload beside it and writes it back in the documented three steps (header
 * with its CRC zeroed, payload, CRC), so its size is counted to the byte, header included,
 * against the profile's region size. A boot checks magic, version, length, CRC and structure,
 * like sim/core/src/world/sleep_region.rs boot_check: a torn image is reported `corrupt` and dropped.
 * After the entries, a payload may end with the sleeping tasks' image (tag TASKS, a 4-byte
 * length, the bytes; docs/sleepy-tasks.md), which every write of an entry keeps. */
#include <string.h>

#include "board.h"
#include "shim.h"

/* Magic, version, header offsets and value tags (LSR_*): contract.h. */
#define MAX_DECODE_DEPTH 64u

static uint8_t *image;   /* in retained memory */
static size_t capacity;  /* the profile's sleep_region_bytes */
static size_t used;      /* bytes of the current image, header included; 0: nothing there */
static uint8_t *scratch; /* the next payload, while a write is built */
static enum region_status status = REGION_EMPTY;

static uint32_t get_le(const uint8_t *p, size_t n)
{
    uint32_t v = 0;
    for (size_t i = n; i-- > 0;) {
        v = v << 8 | p[i];
    }
    return v;
}

static void put_le(uint8_t *p, uint32_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* ---- Writing values (a writer counts every byte, and stores those that fit) ------------- */

void lsr_put(struct lsr_out *o, const void *bytes, size_t n)
{
    if (o->len <= o->cap && n <= o->cap - o->len) {
        memcpy(o->buf + o->len, bytes, n);
    }
    o->len += n;
}

static void put_tag_le(struct lsr_out *o, uint8_t tag, uint64_t v, size_t n)
{
    uint8_t b[9] = { tag };
    for (size_t i = 0; i < n; i++) {
        b[1 + i] = (uint8_t)(v >> (8 * i));
    }
    lsr_put(o, b, 1 + n);
}

void lsr_put_byte(struct lsr_out *o, uint8_t b)
{
    lsr_put(o, &b, 1);
}

void lsr_put_int(struct lsr_out *o, int64_t i)
{
    if (i >= INT8_MIN && i <= INT8_MAX) {
        put_tag_le(o, LSR_TAG_INT8, (uint64_t)i, 1);
    } else if (i >= INT16_MIN && i <= INT16_MAX) {
        put_tag_le(o, LSR_TAG_INT16, (uint64_t)i, 2);
    } else if (i >= INT32_MIN && i <= INT32_MAX) {
        put_tag_le(o, LSR_TAG_INT32, (uint64_t)i, 4);
    } else {
        put_tag_le(o, LSR_TAG_INT64, (uint64_t)i, 8);
    }
}

void lsr_put_float(struct lsr_out *o, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    put_tag_le(o, LSR_TAG_FLOAT64, bits, 8);
}

void lsr_put_str(struct lsr_out *o, const void *s, size_t n)
{
    if (n < 256) {
        put_tag_le(o, LSR_TAG_STR8, n, 1);
    } else {
        put_tag_le(o, LSR_TAG_STR16, n, 2); /* the simulator keeps the low 16 bits too */
    }
    lsr_put(o, s, n);
}

void lsr_put_table_header(struct lsr_out *o, size_t pairs)
{
    put_tag_le(o, LSR_TAG_TABLE, pairs, 2);
}

/* ---- Reading values ---------------------------------------------------------------------- */

/* Bytes of the value at p (at most n), or 0 when it is not one whole valid value. */
static size_t value_span(const uint8_t *p, size_t n, unsigned depth)
{
    static const uint8_t fixed[][2] = {
        { LSR_TAG_FALSE, 0 }, { LSR_TAG_TRUE, 0 },  { LSR_TAG_INT8, 1 },    { LSR_TAG_INT16, 2 },
        { LSR_TAG_INT32, 4 }, { LSR_TAG_INT64, 8 }, { LSR_TAG_FLOAT64, 8 },
    };
    if (n < 1) {
        return 0;
    }
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (p[0] == fixed[i][0]) {
            return n >= 1u + fixed[i][1] ? 1u + fixed[i][1] : 0;
        }
    }
    size_t width = p[0] == LSR_TAG_STR8 ? 1 : p[0] == LSR_TAG_STR16 || p[0] == LSR_TAG_TABLE ? 2 : 0;
    if (width == 0 || n < 1 + width) {
        return 0;
    }
    size_t count = get_le(p + 1, width);
    size_t pos = 1 + width;
    if (p[0] != LSR_TAG_TABLE) {
        return count <= n - pos ? pos + count : 0;
    }
    if (depth >= MAX_DECODE_DEPTH) {
        return 0;
    }
    for (size_t k = 0; k < count; k++) {
        bool key_ok = pos < n
                      && (p[pos] == LSR_TAG_STR8 || p[pos] == LSR_TAG_STR16
                          || (p[pos] >= LSR_TAG_INT8 && p[pos] <= LSR_TAG_INT64));
        size_t ks = key_ok ? value_span(p + pos, n - pos, depth + 1) : 0;
        size_t vs = ks ? value_span(p + pos + ks, n - pos - ks, depth + 1) : 0;
        if (vs == 0) {
            return 0;
        }
        pos += ks + vs;
    }
    return pos;
}

size_t lsr_value_span(const uint8_t *p, size_t n)
{
    return value_span(p, n, 0);
}

/* Bytes of the top-level entry (string key then value) at p, or 0. */
static size_t entry_span(const uint8_t *p, size_t n, size_t *key_bytes)
{
    if (n < 1 || (p[0] != LSR_TAG_STR8 && p[0] != LSR_TAG_STR16)) {
        return 0;
    }
    size_t ks = value_span(p, n, 0);
    size_t vs = ks ? value_span(p + ks, n - ks, 0) : 0;
    if (key_bytes) {
        *key_bytes = ks;
    }
    return vs ? ks + vs : 0;
}

/* The string at p (a valid str8/str16 value). */
const uint8_t *lsr_str(const uint8_t *p, size_t *len)
{
    size_t width = p[0] == LSR_TAG_STR8 ? 1 : 2;
    *len = get_le(p + 1, width);
    return p + 1 + width;
}

/* ---- The region -------------------------------------------------------------------------- */

void region_init(void)
{
    size_t size;
    uint8_t *retained = board_retained(&size);
    capacity = g_scenario.sleep_region_bytes;
    if (capacity < LSR_HEADER_BYTES || capacity > size - RETAINED_RECORD_BYTES) {
        shim_fatal("sleep region of %lu bytes does not fit the board's retained memory", (unsigned long)capacity);
    }
    image = retained + RETAINED_RECORD_BYTES;
    scratch = pvPortMalloc(capacity);
    if (!scratch) {
        shim_fatal("no memory for the sleep region's write buffer");
    }
}

void region_wipe(void)
{
    memset(image, 0, LSR_HEADER_BYTES);
    used = 0;
    status = REGION_EMPTY;
}

static uint16_t header_count(void)
{
    return (uint16_t)get_le(image + LSR_AT_COUNT, 2);
}

static size_t payload_len(void)
{
    return used ? used - LSR_HEADER_BYTES : 0;
}


#define TASKS_HEAD 5u /* tag and 4-byte length */

/* Bytes of the `count` entries at the start of a payload of `len` bytes, or SIZE_MAX when they
 * are not all valid. */
static size_t entries_span(const uint8_t *p, size_t len, size_t count)
{
    size_t pos = 0;
    for (size_t k = 0; k < count; k++) {
        size_t span = entry_span(p + pos, len - pos, NULL);
        if (span == 0) {
            return SIZE_MAX;
        }
        pos += span;
    }
    return pos;
}

/* Checks every entry of a payload of `len` bytes holding `count` entries, and what may follow
 * them: the tasks' image, exactly to the end. */
static bool payload_valid(const uint8_t *p, size_t len, size_t count)
{
    size_t pos = entries_span(p, len, count);
    if (pos == SIZE_MAX) {
        return false;
    }
    if (pos == len) {
        return true;
    }
    return p[pos] == LSR_TAG_TASKS && len - pos >= TASKS_HEAD && get_le(p + pos + 1, 4) == len - pos - TASKS_HEAD;
}

/* Bytes of the entries in the payload (the tasks' image follows them, if there is one). */
static size_t entries_len(void)
{
    return used ? entries_span(image + LSR_HEADER_BYTES, payload_len(), header_count()) : 0;
}

enum region_status region_boot_check(void)
{
    if (memcmp(image + LSR_AT_MAGIC, LSR_MAGIC, sizeof LSR_MAGIC - 1) != 0) {
        region_wipe();
        return status;
    }
    size_t len = get_le(image + LSR_AT_LEN, 4);
    bool ok = get_le(image + LSR_AT_VERSION, 2) == LSR_VERSION && len <= capacity - LSR_HEADER_BYTES
              && crc32_ieee(image + LSR_HEADER_BYTES, len) == get_le(image + LSR_AT_CRC, 4)
              && payload_valid(image + LSR_HEADER_BYTES, len, header_count());
    if (!ok) {
        region_wipe();
        status = REGION_CORRUPT;
        return status;
    }
    used = LSR_HEADER_BYTES + len;
    status = REGION_OK;
    return status;
}

const char *region_status_name(void)
{
    return status == REGION_OK ? "ok" : status == REGION_EMPTY ? "empty" : "corrupt";
}

size_t region_used(void)
{
    return used;
}

size_t region_capacity(void)
{
    return capacity;
}

/* The three-step write of a whole image, payload from `scratch`: header with its CRC zeroed,
 * payload, CRC. When the power fails mid-write (`torn`), half the payload and no CRC. */
static void write_image(uint16_t count, size_t len, bool torn)
{
    uint8_t header[LSR_HEADER_BYTES] = { 0 };
    memcpy(header + LSR_AT_MAGIC, LSR_MAGIC, sizeof LSR_MAGIC - 1);
    put_le(header + LSR_AT_VERSION, LSR_VERSION, 2);
    put_le(header + LSR_AT_COUNT, count, 2);
    put_le(header + LSR_AT_LEN, (uint32_t)len, 4);
    memcpy(image, header, sizeof header);
    size_t written = torn ? len / 2 : len;
    size_t room = capacity - LSR_HEADER_BYTES;
    memcpy(image + LSR_HEADER_BYTES, scratch, written < room ? written : room);
    if (torn) {
        return;
    }
    put_le(image + LSR_AT_CRC, crc32_ieee(image + LSR_HEADER_BYTES, len), 4);
    used = LSR_HEADER_BYTES + len;
}

/* RTC.clear(): no entries, the header stays; what the boot found (status) is kept. */
void region_clear(void)
{
    write_image(0, 0, false);
}

/* Compares two byte strings like Rust's slice order. */
int lsr_compare_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c != 0 ? c : (an > bn) - (an < bn);
}

bool region_find(const uint8_t *key, size_t klen, const uint8_t **value)
{
    const uint8_t *p = image + LSR_HEADER_BYTES;
    size_t len = entries_len(), pos = 0;
    while (pos < len) {
        size_t ks, n;
        size_t span = entry_span(p + pos, len - pos, &ks);
        const uint8_t *k = lsr_str(p + pos, &n);
        if (lsr_compare_bytes(k, n, key, klen) == 0) {
            *value = p + pos + ks;
            return true;
        }
        pos += span;
    }
    return false;
}

size_t region_keys(const uint8_t **keys, size_t *lens, size_t max)
{
    const uint8_t *p = image + LSR_HEADER_BYTES;
    size_t len = entries_len(), pos = 0, count = 0;
    while (pos < len && count < max) {
        size_t span = entry_span(p + pos, len - pos, NULL);
        keys[count] = lsr_str(p + pos, &lens[count]);
        count++;
        pos += span;
    }
    return count;
}

size_t region_count(void)
{
    return used ? header_count() : 0;
}

static void put_entry(struct lsr_out *o, const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen,
                      uint16_t *count)
{
    lsr_put_str(o, key, klen);
    lsr_put(o, value, vlen);
    ++*count;
}

/* Builds in `scratch` the payload with `key` set to `value` (NULL: removed), the tasks' image
 * kept after the entries; returns its length (counted beyond the buffer when it does not fit),
 * the entry count, and the bytes everything else takes. */
static size_t build(const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen, uint16_t *count, size_t *others)
{
    struct lsr_out o = { scratch, capacity - LSR_HEADER_BYTES, 0 };
    const uint8_t *p = image + LSR_HEADER_BYTES;
    size_t len = entries_len(), pos = 0, old = 0;
    bool placed = value == NULL;
    *count = 0;
    while (pos < len) {
        size_t n;
        size_t span = entry_span(p + pos, len - pos, NULL);
        int c = lsr_compare_bytes(lsr_str(p + pos, &n), n, key, klen);
        if (c > 0 && !placed) {
            put_entry(&o, key, klen, value, vlen, count);
            placed = true;
        }
        if (c == 0) {
            old = span;
        } else {
            lsr_put(&o, p + pos, span);
            ++*count;
        }
        pos += span;
    }
    if (!placed) {
        put_entry(&o, key, klen, value, vlen, count);
    }
    lsr_put(&o, p + len, payload_len() - len); /* the tasks' image */
    *others = payload_len() - old;
    return o.len;
}

bool region_put(const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen, struct region_full *full)
{
    uint16_t count;
    size_t others;
    size_t len = build(key, klen, value, vlen, &count, &others);
    if (LSR_HEADER_BYTES + len > capacity) {
        full->wanted = len - others;
        full->free = capacity - LSR_HEADER_BYTES - others;
        full->capacity = capacity;
        return false;
    }
    write_image(count, len, false);
    status = REGION_OK;
    return true;
}

void region_tear(const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen)
{
    uint16_t count;
    size_t others;
    size_t len = build(key, klen, value, vlen, &count, &others);
    write_image(count, len, true);
}

/* ---- The sleeping tasks' image ----------------------------------------------------------- */

bool region_tasks(const uint8_t **tasks, size_t *n)
{
    size_t at = entries_len(), len = payload_len();
    if (at >= len) {
        return false;
    }
    *tasks = image + LSR_HEADER_BYTES + at + TASKS_HEAD;
    *n = len - at - TASKS_HEAD;
    return true;
}

/* Builds in `scratch` the entries followed by `tasks` (NULL: none); returns the payload's
 * length and the bytes of the entries. */
static size_t build_tasks(const uint8_t *tasks, size_t n, size_t *entries)
{
    struct lsr_out o = { scratch, capacity - LSR_HEADER_BYTES, 0 };
    *entries = entries_len();
    lsr_put(&o, image + LSR_HEADER_BYTES, *entries);
    if (tasks) {
        uint8_t head[TASKS_HEAD] = { LSR_TAG_TASKS };
        put_le(head + 1, (uint32_t)n, 4);
        lsr_put(&o, head, sizeof head);
        lsr_put(&o, tasks, n);
    }
    return o.len;
}

bool region_set_tasks(const uint8_t *tasks, size_t n, struct region_full *full)
{
    size_t entries;
    uint16_t count = (uint16_t)region_count();
    size_t len = build_tasks(tasks, n, &entries);
    if (LSR_HEADER_BYTES + len > capacity) {
        full->wanted = len - entries;
        full->free = capacity - LSR_HEADER_BYTES - entries;
        full->capacity = capacity;
        return false;
    }
    write_image(count, len, false);
    status = REGION_OK;
    return true;
}

void region_tear_tasks(const uint8_t *tasks, size_t n)
{
    size_t entries;
    uint16_t count = (uint16_t)region_count();
    size_t len = build_tasks(tasks, n, &entries);
    write_image(count, len, true);
}
