/* shim.h: declarations shared by the parts of the luasim firmware shim.
 *
 * The shim is the device-side C layer the simulator (sim/) models: the `rtos` Lua module over
 * one FreeRTOS queue and a pool of FreeRTOS software timers, the `log`/`print`/`Log` bindings,
 * the Lua task that runs lua/prelude.lua, lua/sys.lua and the scenario's scripts, the trace
 * printer, and the scenario playback that drives virtual time. Board specifics are behind
 * board.h. */
#ifndef LUASIM_SHIM_H
#define LUASIM_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "FreeRTOS.h"
#include "queue.h"
#include "task.h"

struct lua_State;

/* ---- Packed scenario (src/pack.c, docs/pack-format.md) ---------------------------------- */

enum pack_arg_tag { PACK_ARG_BOOL = 1, PACK_ARG_INT = 2, PACK_ARG_FLOAT = 3, PACK_ARG_STR = 4 };

struct pack_arg {
    uint32_t tag;
    int64_t integer; /* bool (0/1) and int */
    double number;
    const char *str;
    uint32_t str_len;
};

enum pack_step_kind {
    PACK_STEP_UNSUPPORTED = 0,
    PACK_STEP_PUBLISH = 1,
    /* 2..6: messaging steps (another branch). */
    /* ---- Sleep and power ---- */
    PACK_STEP_GPIO = 7,
    PACK_STEP_BROWNOUT = 8,
    PACK_STEP_POWER_LOSS = 9,
};

struct pack_step {
    uint64_t at_us;
    uint32_t kind;
    const char *text; /* the simulator's description of the step, for inject/drop lines */
    uint32_t text_len;
    const char *topic;
    uint32_t topic_len;
    uint32_t argc;
    struct pack_arg *args;
    /* ---- Sleep and power steps ---- */
    uint32_t pin;          /* gpio */
    uint64_t off_us;       /* power_loss: how long the power stays off */
    uint32_t during_write; /* power_loss: strikes during the next sleep-region write instead */
};

struct pack_file {
    const char *path;
    const uint8_t *data;
    uint32_t len;
};

struct scenario {
    uint32_t crc;
    uint32_t tick_hz;
    uint32_t queue_len;
    uint32_t timer_slots;
    uint32_t lua_heap_bytes;
    uint32_t start_tick;
    uint64_t boot_us;
    uint64_t duration_us;
    uint64_t seed;
    const char *profile;
    const char *ip; /* Node.ip(); empty: none */
    uint64_t watchdog_ms;         /* 0: no watchdog */
    uint64_t instructions_per_ms; /* estimated Lua VM speed, for the watchdog's budget */
    /* ---- Sleep and power ---- */
    uint32_t sleep_region_bytes;
    uint32_t sleep_flags; /* bit 0: whole VM in the sleep region (not supported) */
    uint32_t file_count;
    struct pack_file *files;
    uint32_t step_count;
    struct pack_step *steps;
};

/* Parses the blob at `blob`; on failure returns false with a reason in `error`. */
bool pack_read(const uint8_t *blob, size_t capacity, struct scenario *out, const char **error);
const struct pack_file *pack_find_file(const struct scenario *s, const char *path);

extern struct scenario g_scenario;

/* ---- Time (src/playback.c) --------------------------------------------------------------- */

/* ms -> ticks exactly as the simulator (sim/src/time.rs ms_to_ticks): round up, 64-bit,
 * false for ms < 1 or more than 2^32-1 ticks. */
bool shim_ms_to_ticks(int64_t ms, uint32_t tick_hz, uint32_t *ticks);
/* Virtual time of the instant being processed, in µs since power-on. */
uint64_t playback_now_us(void);
/* Ticks since this boot (64-bit, never wraps). */
uint64_t playback_ticks_since_boot(void);
void playback_task(void *arg);
/* Ends the run: the `end` trace line with `reason`, the firmware's report, exit. */
void playback_end(const char *reason) __attribute__((noreturn));
/* rtos.reboot() / Node.restart(): resets the device; time goes on. Never returns. */
void playback_reboot(const char *cause) __attribute__((noreturn));

/* Kernel hooks (src/freertos_tasks_c_additions.h, compiled inside tasks.c). */
uint64_t shim_ticks_until_next_wake(void);
void shim_set_tick_count(TickType_t ticks);
void shim_jump_ticks(TickType_t ticks);

/* ---- Trace (src/trace.c) ----------------------------------------------------------------- */

/* One trace line: `{secs:>14} {tick:>10} {kind:<8} ` then the formatted text, as
 * sim/src/trace.rs prints it. The text is printed as given. */
void trace_line(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A trace line whose text is `prefix` then `text` passed through the simulator's one_line()
 * (control characters escaped, invalid UTF-8 replaced by U+FFFD); `suffix` is printed as is. */
void trace_line_escaped(const char *kind, const char *prefix, const char *text, size_t len, const char *suffix);
/* Raw console output outside the trace (fatal errors). */
void shim_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- rtos module (src/rtos_module.c) ----------------------------------------------------- */

enum shim_msg_kind { SHIM_MSG_TIMER = 1, SHIM_MSG_PUBLISH = 2 };

struct shim_msg {
    uint32_t kind;
    uint32_t reserved;
    int64_t id;     /* timer id */
    int64_t repeat; /* firings left after this one, -1 forever */
    const struct pack_step *step; /* publish: the step that posted it */
};

extern QueueHandle_t g_rtos_queue;
void rtos_init(void);
/* Posts without blocking from the playback (a publish step); traces inject or drop. */
void rtos_post_step(const struct pack_step *step);
int luaopen_rtos(struct lua_State *L);

/* ---- Retained memory (board_retained): the playback's record, then the sleep region ------ */

#define RETAINED_RECORD_BYTES 1024u

/* ---- Sleep region (src/sleep_region.c, docs/sleep-region.md) ----------------------------- */

#define REGION_HEADER_BYTES 16u

enum region_status { REGION_OK, REGION_EMPTY, REGION_CORRUPT };

/* A write that does not fit: the entry's bytes, what the other entries leave free. */
struct region_full {
    size_t wanted;
    size_t free;
    size_t capacity;
};

/* A byte writer that counts everything and stores what fits in `cap`. */
struct lsr_out {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

void lsr_put(struct lsr_out *o, const void *bytes, size_t n);
void lsr_put_byte(struct lsr_out *o, uint8_t b);
void lsr_put_int(struct lsr_out *o, int64_t i);
void lsr_put_float(struct lsr_out *o, double x);
void lsr_put_str(struct lsr_out *o, const void *s, size_t n);
void lsr_put_table_header(struct lsr_out *o, size_t pairs);
/* Bytes of the valid value at p (0: invalid); the string of a valid string value. */
size_t lsr_value_span(const uint8_t *p, size_t n);
const uint8_t *lsr_str(const uint8_t *p, size_t *len);
int lsr_compare_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

void region_init(void);
enum region_status region_boot_check(void);
void region_wipe(void);
void region_clear(void);
const char *region_status_name(void);
size_t region_used(void);
size_t region_capacity(void);
size_t region_count(void);
bool region_find(const uint8_t *key, size_t klen, const uint8_t **value);
size_t region_keys(const uint8_t **keys, size_t *lens, size_t max);
/* Sets (value NULL: removes) an entry; false with the figures when the region would overflow. */
bool region_put(const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen, struct region_full *full);
/* The same write, with the power failing halfway: a torn image is left behind. */
void region_tear(const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen);

/* ---- Sleep and power (src/playback.c) ---------------------------------------------------- */

/* Node.deepSleep: `ms` < 0 sleeps until woken. Never returns. */
void playback_deep_sleep(int64_t ms) __attribute__((noreturn));
/* Node.lightSleep: blocks the Lua task for `ms` with everything kept; the wake cause. */
const char *playback_light_sleep(int64_t ms);
/* Node.wakeCause(). */
const char *playback_wake_cause(void);
/* A power loss armed for the next sleep-region write: tears the write (region_tear done by
 * the caller) and cuts the power. */
bool playback_tear_armed(void);
void playback_power_loss_during_write(void) __attribute__((noreturn));
/* The tick the trace prints now: the kernel's while awake, the clock's while asleep. */
uint32_t playback_trace_tick(void);

/* ---- Bindings and the Lua task ----------------------------------------------------------- */

/* Every firmware module, from one list (src/bindings.c), into a fresh state. */
void bindings_install_all(struct lua_State *L);
void log_install(struct lua_State *L);
void node_install(struct lua_State *L);
void rtc_install(struct lua_State *L);
void lua_task(void *arg);
extern TaskHandle_t g_lua_task;

/* The task watchdog (src/lua_task.c): Lua blocked on the queue, the budget starts again. */
void lua_watchdog_feed(void);

/* Lua heap accounting in device bytes (src/lua_task.c). */
size_t lua_heap_used(void);
size_t lua_heap_peak(void);
/* After a reboot: the peak of the run so far (the simulator reports one peak per run). */
void lua_heap_keep_peak(size_t peak);

#endif
