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
#include "contract.h"
#include "queue.h"
#include "task.h"

struct lua_State;
struct luaL_Reg;

/* ---- Packed scenario (src/pack.c, docs/pack-format.md) ---------------------------------- */

/* Tags, step kinds and offsets: contract.h (generated from sim/core/src/contract/). */

struct pack_arg {
    uint32_t tag;
    int64_t integer; /* bool (0/1) and int */
    double number;
    const char *str;
    uint32_t str_len;
};

/* ---- JSON values (src/json_value.c, json_parse.c, json_float.c) -------------------------- */

enum json_type { JSON_NULL, JSON_BOOL, JSON_INT, JSON_FLOAT, JSON_STR, JSON_ARRAY, JSON_OBJECT };

struct json_member;

/* A serde_json value: numbers already split into what Lua gets (integer or float); object
 * members sorted by key. Owned memory on the FreeRTOS heap. */
struct json {
    uint32_t type;
    uint32_t count; /* array items, object members */
    union {
        bool boolean;
        int64_t integer;
        double number;
        struct {
            char *bytes;
            uint32_t len;
        } str;
        struct json *items;
        struct json_member *members;
    } u;
};

struct json_member {
    char *key;
    uint32_t key_len;
    struct json value;
};

void *json_alloc(size_t n);
void json_free(struct json *v);
void json_clone(const struct json *from, struct json *to);
int json_key_cmp(const char *a, size_t alen, const char *b, size_t blen);
struct json *json_object_insert(struct json *object, char *key, uint32_t key_len, struct json *value);
const struct json *json_get_path(const struct json *root, const char *path, size_t len);
void json_set_path(struct json *root, const char *path, size_t len, const struct json *value);
void json_push(struct lua_State *L, const struct json *v);
bool json_parse(const char *text, size_t len, struct json *out, char *error, size_t error_size);
/* A growing, NUL-terminated byte buffer (start with `{ 0 }`, free `data`), for JSON text. */
struct bytes {
    char *data;
    size_t len, cap;
};
void bytes_add(struct bytes *b, const void *data, size_t n);
/* The shortest text of a finite double as serde_json prints it (zmij); `out` holds 32 bytes. */
size_t json_format_float(double x, char *out);

struct pack_step {
    uint64_t at_us;
    uint32_t kind;
    const char *text; /* the simulator's description of the step, for inject/drop lines */
    uint32_t text_len;
    const char *topic; /* publish and MQTT topic, event name, file path, config path */
    uint32_t topic_len;
    uint32_t argc;
    struct pack_arg *args;
    const char *payload; /* MQTT payload, file contents */
    uint32_t payload_len;
    struct json value; /* event data, config value, GNSS fix */
    bool fix_lost;     /* gnss: the fix is lost (no value) */
    int64_t jump_us;   /* clock_jump: how far the wall clock jumps (may be negative) */
    /* ---- Sleep and power steps ---- */
    uint32_t pin;          /* gpio */
    uint64_t off_us;       /* power_loss: how long the power stays off; mqtt_disconnect: the outage */
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
    uint32_t sleep_flags; /* PACK_SLEEP_FLAG_VM_IN_REGION: whole VM in the region (not supported) */
    uint32_t file_count;
    struct pack_file *files;
    uint32_t step_count;
    struct pack_step *steps;
    struct json config; /* the initial device configuration */
    bool naive_reload;  /* old Lua states are kept and their callbacks still run */
    uint32_t module_count;
    const char **modules; /* optional firmware modules of this build (telegram, gnss) */
    bool has_gnss;        /* a GNSS fix at power-on */
    struct json gnss;     /* that fix */
};

/* Parses the blob at `blob`; on failure returns false with a reason in `error`. */
/* CRC-32 as in IEEE 802.3 / zlib, for the blob and the sleep region (src/pack.c). */
uint32_t crc32_ieee(const uint8_t *p, size_t n);
bool pack_read(const uint8_t *blob, size_t capacity, struct scenario *out, const char **error);
const struct pack_file *pack_find_file(const struct scenario *s, const char *path);
bool pack_has_module(const struct scenario *s, const char *module);

extern struct scenario g_scenario;

/* ---- Time (src/playback.c) --------------------------------------------------------------- */

/* ms -> ticks exactly as the simulator (sim/core/src/time.rs ms_to_ticks): round up, 64-bit,
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
/* Generation of the current Lua state: 1 at the first boot, +1 at every reload or boot. */
uint32_t playback_generation(void);
/* A hot reload: the next generation. */
uint32_t playback_next_generation(void);

/* Kernel hooks (src/freertos_tasks_c_additions.h, compiled inside tasks.c). */
uint64_t shim_ticks_until_next_wake(void);
void shim_set_tick_count(TickType_t ticks);
void shim_jump_ticks(TickType_t ticks);

/* ---- Trace (src/trace.c) ----------------------------------------------------------------- */

/* One trace line: `{secs:>14} {tick:>10} {kind:<8} ` then the formatted text, as
 * sim/core/src/trace.rs prints it. The text is printed as given. */
void trace_line(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A trace line whose text is `prefix` then `text` passed through the simulator's one_line()
 * (control characters escaped, invalid UTF-8 replaced by U+FFFD); `suffix` is printed as is. */
void trace_line_escaped(const char *kind, const char *prefix, const char *text, size_t len, const char *suffix);
/* A trace line in pieces: trace_begin(kind), then text passed through one_line() or raw. */
void trace_begin(const char *kind);
void trace_text(const char *text, size_t len);
void trace_raw(const char *text);
void trace_end(void);
/* Raw console output outside the trace (fatal errors). */
void shim_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- rtos module (src/rtos_module.c) ----------------------------------------------------- */

enum shim_msg_kind { SHIM_MSG_TIMER = 1, SHIM_MSG_PUBLISH = 2, SHIM_MSG_CALLBACK = 3, SHIM_MSG_RELOAD = 4 };

struct shim_msg {
    uint32_t kind;
    uint32_t reserved;
    int64_t id;     /* timer id; callback: registration id */
    int64_t repeat; /* firings left after this one, -1 forever */
    /* publish: the step that posted it; callback: the MQTT or event step it carries (NULL for
     * Node.setTimeout); reload: the MQTT step that asked for it (NULL: a reload step) */
    const struct pack_step *step;
};

extern QueueHandle_t g_rtos_queue;
void rtos_init(void);
/* Plays a publish step (posts without blocking; traces inject or drop) or hands an MQTT, event,
 * reload, write or config step to firmware_apply_step. */
void rtos_post_step(const struct pack_step *step);
int luaopen_rtos(struct lua_State *L);
/* Hot reload: the old state's rtos timers stop and their pending messages are dropped. */
void rtos_forget_timers(void);

/* An armed rtos timer across a deep sleep with the tasks kept (sim SleepyTimer). */
struct sleepy_timer {
    int64_t id;
    uint64_t due_ticks;   /* expiry, in ticks since this boot */
    uint32_t period_ticks;
    uint64_t fires_left;  /* firings left including the next, + 1; 0: forever */
    uint64_t order;       /* place among the timers due at the same tick */
};
/* The armed timers in the kernel's order (expiry, then insertion), at most `max`. */
size_t rtos_sleepy_timers(struct sleepy_timer *out, size_t max);
/* Arms `id` in a free slot to fire in `ticks`, then every `period`; false when none is free. */
bool rtos_rearm(int64_t id, uint32_t ticks, uint32_t period, uint64_t fires_left);
uint32_t rtos_active_timers(void);

/* ---- Firmware services (src/firmware.c) -------------------------------------------------- */

enum listener { LISTEN_EVENTBUS = 1, LISTEN_MQTT = 2, LISTEN_TIMEOUT = 3 };

/* Registers the function at `fn_index` for `listener` (event name or topic filter in `arg`),
 * stamped with the current generation; returns the registration id. */
uint64_t firmware_register(struct lua_State *L, int listener, const char *arg, size_t len, int fn_index);
/* Node.setTimeout: a one-shot firmware timer on the virtual clock. */
uint64_t firmware_set_timeout(struct lua_State *L, int64_t ms, int fn_index);
/* The earliest Node.setTimeout expiry in µs, UINT64_MAX when none. */
uint64_t firmware_next_timeout(void);
void firmware_fire_due_timeouts(uint64_t now_us);
/* Plays an MQTT, event, reload, write, config, gnss, clock_jump or mqtt_disconnect step (with its
 * inject line). */
void firmware_apply_step(const struct pack_step *step);
/* A gpio step while the device is awake: the firmware event `gpio` with `{pin = N}`. */
void firmware_gpio_event(const struct pack_step *gpio);
/* After a reset: flash writes, config changes, GNSS fixes and clock jumps of the steps already
 * played (not those missed while asleep or off), and every broker outage so far, silently. */
void firmware_replay(const struct scenario *s, size_t steps_done);
/* A callback message taken off the queue: runs the callback if its generation may run. */
void firmware_run_callback(const struct shim_msg *m);
/* The trigger text of a reload message (`step`, `mqtt <topic>`). */
void firmware_reload_trigger(const struct shim_msg *m, char *out, size_t size);
/* A message as the simulator's Message Display prints it on drop lines. */
void firmware_trace_drop(const struct shim_msg *m);
/* Whether the broker connection is up (no mqtt_disconnect outage in force). */
bool firmware_mqtt_connected(void);
/* os.time(): whole seconds of virtual time plus every clock_jump played (World::wall_clock_s). */
int64_t firmware_wall_clock_s(void);
/* GNSS.lastFix: the last fix (the power-on fix, then gnss steps played), NULL without one. */
const struct json *firmware_gnss_fix(void);
/* Config.get: the value at a dotted path, NULL when missing. */
const struct json *firmware_config_get(const char *path, size_t len);
/* The ids of registrations survive a reset, like the simulator's counter. */
uint64_t firmware_next_id(void);
void firmware_keep_next_id(uint64_t next_id);

/* ---- Binding helpers (src/args.c): argument errors through luaL_argerror ------------------ */

/* A string (or number, as text) argument, like luaL_checklstring. */
const char *arg_string(struct lua_State *L, int n, size_t *len);
int64_t arg_integer(struct lua_State *L, int n);
void arg_function(struct lua_State *L, int n);
int arg_error(struct lua_State *L, int n, const char *message);
/* A module table of light C functions, set as a global (bindings/mod.rs global_table). */
void bind_global_table(struct lua_State *L, const char *global, const struct luaL_Reg *fns);

/* ---- Retained memory (board_retained): the playback's record, then the sleep region ------ */

#define RETAINED_RECORD_BYTES 1024u

/* ---- Sleep region (src/sleep_region.c, docs/sleep-region.md) ----------------------------- */

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
/* The sleeping tasks' image after the entries (src/sleepy.c): where it is, if there is one;
 * storing it (NULL: dropping it), false with the figures when it does not fit; and its write
 * torn by a power loss. */
bool region_tasks(const uint8_t **tasks, size_t *n);
bool region_set_tasks(const uint8_t *tasks, size_t n, struct region_full *full);
void region_tear_tasks(const uint8_t *tasks, size_t n);

/* ---- Sleep and power (src/playback.c) ---------------------------------------------------- */

/* Node.deepSleep: `ms` < 0 sleeps until woken. Never returns. */
void playback_deep_sleep(int64_t ms) __attribute__((noreturn));
/* Node.lightSleep: blocks the Lua task for `ms` with everything kept; the wake cause. */
const char *playback_light_sleep(int64_t ms);
/* Node.wakeCause(). */
const char *playback_wake_cause(void);
/* Whether the write, config, gnss or clock_jump step of this rank (among those steps) was
 * missed while asleep or off. */
bool playback_missed(size_t rank);
/* A power loss armed for the next sleep-region write: tears the write (region_tear done by
 * the caller) and cuts the power. */
bool playback_tear_armed(void);
void playback_power_loss_during_write(void) __attribute__((noreturn));
/* The tick the trace prints now: the kernel's while awake, the clock's while asleep. */
uint32_t playback_trace_tick(void);
/* The µs at which tick `ticks` (since this boot) begins (sim Clock::tick_time). */
uint64_t playback_tick_time(uint64_t ticks);
/* Whether this boot is a timer or gpio wake from deep sleep (the tasks' image may restore). */
bool playback_woke_from_sleep(void);

/* ---- Sleepy tasks (src/sleepy.c, docs/sleepy-tasks.md) ---------------------------------- */

/* Whether the scenario's device keeps its tasks across deep sleep. */
bool sleepy_enabled(void);
/* After sys.lua: the Node.deepSleep wrapper (lua/sleepy.lua) and the permanents. */
void sleepy_install(struct lua_State *L);
/* A script compiled (its chunk on top of the stack): noted for the image. */
void sleepy_note_chunk(struct lua_State *L, const char *path, const uint8_t *text, size_t len);
/* The same with the CRC-32 of the text given (a chunk loaded from an image's bytecode). */
void sleepy_note_chunk_crc(struct lua_State *L, const char *path, uint32_t crc);
/* A task asked to sleep and the queue is empty: persists the tasks and sleeps (never
 * returns), or resumes the sleeper with the refusal. `in_sys_run`: sys.run() resumes too. */
void sleepy_sleep_if_asked(struct lua_State *L, bool in_sys_run);
/* At the boot: takes the tasks' image out of the region and, at a timer or gpio wake,
 * restores and resumes the tasks; true when they were restored (the scripts do not run). */
bool sleepy_wake(struct lua_State *L);

/* ---- Bindings and the Lua task ----------------------------------------------------------- */

/* Every firmware module, from one list (src/bindings.c, contract.h BINDINGS), into a fresh
 * state; contract.h declares each module's GLOBAL_install. */
void bindings_install_all(struct lua_State *L);
void lua_task(void *arg);
extern TaskHandle_t g_lua_task;

/* The task watchdog (src/lua_watchdog.c): Lua blocked on the queue, the budget starts again. */
void lua_watchdog_feed(void);

/* The Lua state of `generation` while it is alive (the current one; older ones with
 * naive_reload), else NULL. */
struct lua_State *lua_state_of(uint32_t generation);
/* A reload message reached the Lua task: Lua stops (an error nothing can catch) and the task
 * starts the next generation. Returns (raises) when `L` is running Lua code. */
void lua_request_reload(struct lua_State *L, const char *trigger);
bool lua_halting(void);
/* The error text of a failed protected call, as sim/core/src/bindings/error_text.rs describe_error. */
void lua_trace_error(struct lua_State *L, const char *what, const char *arg, size_t arg_len);

/* Lua heap accounting in device bytes (src/lua_heap.c): this state's use and peak; the run's
 * peak over every state. */
size_t lua_heap_used(struct lua_State *L);
size_t lua_heap_state_peak(struct lua_State *L);
size_t lua_heap_peak(void);
/* After a reboot: the peak of the run so far (the simulator reports one peak per run). */
void lua_heap_keep_peak(size_t peak);

#endif
