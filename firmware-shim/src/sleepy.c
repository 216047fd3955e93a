/* sleepy.c: sleepy tasks on the device (docs/sleepy-tasks.md): sys tasks kept across deep sleep.
 *
 * Mirrors sim/core/src/runtime/sleepy.rs and world/sleepy.rs. With the scenario's `sleepy` on,
 * Node.deepSleep(ms) in a sys task (lua/sleepy.lua, the simulator's own text) notes a request
 * and yields. Once the Lua task is back at the rtos queue with nothing queued, the persister
 * (lua/persist/persist.c, the simulator's own C) writes everything reachable from the sleeper,
 * sys.lua's state and the globals; the container around it (scripts with their CRC-32, the
 * armed rtos timers, whether sys.run() was the loop) goes into the sleep region after the RTC
 * entries (tag TASKS), and the device sleeps. At a timer or gpio wake the scripts are compiled,
 * not run, the tasks restored, the timers re-armed with what was left of them, the sleeper
 * resumed with the wake cause, then sys.run(). A refusal (a bad sleep time, a value that
 * cannot persist, an image over budget) resumes the sleeper with nil and the reason, which the
 * wrapper raises, and the device stays awake. The container's bytes are the simulator's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lua_task.h"
#include "persist.h"

extern const char luasim_sleepy_lua[], luasim_sleepy_lua_end[];

static const char CTX_KEY[] = "luasim.sleepy.ctx";
static const char CHUNKS_KEY[] = "luasim.sleepy.chunks";
/* The wrapper's request function; its upvalue holds the task that asked to sleep. */
static const char REQUEST_KEY[] = "luasim.sleepy.request";

/* The pending request (sim World::sleepy_request): the sleep's length (< 0: until woken), or
 * the refusal of a bad sleep time. Main RAM: a reset forgets it. */
static bool requested;
static int64_t request_ms;
static char refusal[160];

bool sleepy_enabled(void)
{
    return (g_scenario.sleep_flags & PACK_SLEEP_FLAG_SLEEPY) != 0;
}

/* sleepy_embed_code: the container carries the scripts' bytecode. */
static bool embed_code(void)
{
    return (g_scenario.sleep_flags & PACK_SLEEP_FLAG_SLEEPY_EMBED_CODE) != 0;
}

/* A `log` line of the firmware's `sleepy` tag. */
static void note(const char *level, const char *text, size_t len)
{
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%s/sleepy ", level);
    trace_line_escaped("log", prefix, text, len, NULL);
}

/* ---- The request ------------------------------------------------------------------------- */

/* request(ms, co): the sleep time is checked as Node.deepSleep checks it (src/args.c), but a
 * bad one is not raised here: it is the refusal the sleeper resumes with. */
static int l_request(lua_State *L)
{
    refusal[0] = '\0';
    request_ms = -1;
    if (!lua_isnoneornil(L, 1)) {
        int isnum = 0, number = 0;
        lua_Integer ms = lua_tointegerx(L, 1, &isnum);
        const char *why = NULL;
        char got[64];
        if (isnum && ms >= 0) {
            request_ms = ms;
        } else if (isnum) {
            snprintf(got, sizeof got, "sleep time must be >= 0 ms, got %lld", (long long)ms);
            why = got;
        } else if ((void)lua_tonumberx(L, 1, &number), number) {
            why = "number has no integer representation";
        } else {
            snprintf(got, sizeof got, "number expected, got %s", luaL_typename(L, 1));
            why = got;
        }
        if (why) {
            snprintf(refusal, sizeof refusal, "bad argument #1 to 'deepSleep' (%s)", why);
        }
    }
    lua_settop(L, 2);
    lua_replace(L, lua_upvalueindex(1));
    requested = true;
    return 0;
}

/* ---- Installation ------------------------------------------------------------------------ */

/* upvalue(f, name) of the function at the top, which it replaces. */
static void sys_upvalue(lua_State *L, const char *field, const char *name)
{
    lua_pushcfunction(L, luasim_upvalue);
    lua_getglobal(L, "sys");
    lua_getfield(L, -1, field);
    lua_remove(L, -2);
    lua_pushstring(L, name);
    lua_call(L, 2, 1);
}

void sleepy_install(lua_State *L)
{
    int top = lua_gettop(L);
    if (lua_load_builtin(L, luasim_sleepy_lua, luasim_sleepy_lua_end, "=sleepy") != LUA_OK) {
        lua_error(L);
    }
    lua_pushnil(L);
    lua_pushcclosure(L, l_request, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REQUEST_KEY);
    lua_getglobal(L, "Node");
    lua_getfield(L, -1, "deepSleep");
    lua_remove(L, -2);
    sys_upvalue(L, "taskInit", "tasks");
    lua_call(L, 3, 1);
    lua_getglobal(L, "Node");
    lua_insert(L, -2);
    lua_setfield(L, -2, "deepSleep");
    lua_pushcfunction(L, luasim_permanents);
    lua_call(L, 0, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, CTX_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, CHUNKS_KEY);
    lua_settop(L, top);
}

void sleepy_note_chunk(lua_State *L, const char *path, const uint8_t *text, size_t len)
{
    sleepy_note_chunk_crc(L, path, crc32_ieee(text, len));
}

void sleepy_note_chunk_crc(lua_State *L, const char *path, uint32_t crc)
{
    if (!sleepy_enabled()) {
        return;
    }
    if (lua_getfield(L, LUA_REGISTRYINDEX, CHUNKS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    lua_createtable(L, 3, 0);
    lua_pushstring(L, path);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)crc);
    lua_rawseti(L, -2, 2);
    lua_pushvalue(L, -3);
    lua_rawseti(L, -2, 3);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

/* ---- Going to sleep ---------------------------------------------------------------------- */

static void put_le(struct lsr_out *o, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    lsr_put(o, b, n);
}

/* lua_dump's writer into the container (or only counting, when its buffer is NULL). */
static int put_dump(lua_State *L, const void *p, size_t n, void *o)
{
    (void)L;
    lsr_put(o, p, n);
    return 0;
}

/* The container (sim runtime/sleepy.rs persist): version, the scripts (path, CRC-32, and with
 * sleepy_embed_code the length and bytes of their lua_dump, debug information kept), the rtos
 * timers, the event loop flag, the persister's image. */
static void container(lua_State *L, struct lsr_out *o, int chunks, const struct sleepy_timer *timers, size_t ntimers,
                      bool in_sys_run, int image)
{
    size_t count = lua_rawlen(L, chunks), len;
    bool embed = embed_code();
    lsr_put_byte(o, embed ? LSR_TASKS_VERSION_EMBEDDED_CODE : LSR_TASKS_VERSION);
    lsr_put_byte(o, (uint8_t)count);
    for (size_t i = 1; i <= count; i++) {
        lua_rawgeti(L, chunks, (lua_Integer)i);
        lua_rawgeti(L, -1, 1);
        const char *path = lua_tolstring(L, -1, &len);
        lsr_put_byte(o, (uint8_t)len);
        lsr_put(o, path, len);
        lua_rawgeti(L, -2, 2);
        put_le(o, (uint64_t)lua_tointeger(L, -1), 4);
        lua_pop(L, 2);
        if (embed) {
            struct lsr_out counting = { NULL, 0, 0 };
            lua_rawgeti(L, -1, 3);
            (void)lua_dump(L, put_dump, &counting, 0);
            put_le(o, counting.len, 4);
            (void)lua_dump(L, put_dump, o, 0);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lsr_put_byte(o, (uint8_t)ntimers);
    for (size_t i = 0; i < ntimers; i++) {
        put_le(o, (uint64_t)timers[i].id, 8);
        put_le(o, playback_tick_time(timers[i].due_ticks), 8);
        put_le(o, timers[i].period_ticks, 4);
        put_le(o, timers[i].fires_left, 8);
    }
    lsr_put_byte(o, in_sys_run ? 1 : 0);
    const char *bytes = lua_tolstring(L, image, &len);
    lsr_put(o, bytes, len);
}

/* The first line of the error at the top, after `prefix`, replacing it. */
static void first_line(lua_State *L, const char *prefix)
{
    size_t len;
    const char *text = luaL_tolstring(L, -1, &len);
    const char *nl = memchr(text, '\n', len);
    lua_pushstring(L, prefix);
    lua_pushlstring(L, text, nl ? (size_t)(nl - text) : len);
    lua_concat(L, 2);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

/* Persists the tasks and sleeps; returns only with the reason it cannot on the stack. */
static void keep_tasks(lua_State *L, int sleeper, bool in_sys_run)
{
    lua_getfield(L, LUA_REGISTRYINDEX, CHUNKS_KEY);
    int chunks = lua_gettop(L);
    lua_pushcfunction(L, luasim_persist);
    lua_getfield(L, LUA_REGISTRYINDEX, CTX_KEY);
    size_t count = lua_rawlen(L, chunks);
    lua_createtable(L, (int)count, 0);
    for (size_t i = 1; i <= count; i++) {
        lua_rawgeti(L, chunks, (lua_Integer)i);
        lua_rawgeti(L, -1, 3);
        lua_rawseti(L, -3, (lua_Integer)i);
        lua_pop(L, 1);
    }
    lua_pushvalue(L, sleeper);
    if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
        first_line(L, "Node.deepSleep: ");
        return;
    }
    int image = lua_gettop(L);
    /* The timers and the container are the firmware's C buffers, outside the Lua heap (the
     * simulator's are Rust vectors): only the persister's own work is Lua's. */
    size_t max = g_scenario.timer_slots;
    struct sleepy_timer *timers = malloc(sizeof *timers * (max ? max : 1));
    size_t ntimers = timers ? rtos_sleepy_timers(timers, max) : 0;
    struct lsr_out sizing = { NULL, 0, 0 };
    container(L, &sizing, chunks, timers, ntimers, in_sys_run, image);
    struct lsr_out o = { timers ? malloc(sizing.len) : NULL, sizing.len, 0 };
    if (o.buf == NULL) {
        free(timers);
        lua_pushliteral(L, "Node.deepSleep: not enough memory for the tasks' image");
        return;
    }
    container(L, &o, chunks, timers, ntimers, in_sys_run, image);
    free(timers);
    if (playback_tear_armed()) {
        region_tear_tasks(o.buf, o.len);
        free(o.buf);
        playback_power_loss_during_write();
    }
    struct region_full full;
    bool stored = region_set_tasks(o.buf, o.len, &full);
    free(o.buf);
    if (!stored) {
        lua_pushfstring(L, "Node.deepSleep: keeping the tasks wants %d bytes but only %d of the %d-byte sleep region are free",
                        (int)full.wanted, (int)full.free, (int)full.capacity);
        return;
    }
    char text[48];
    int n = snprintf(text, sizeof text, "tasks kept: image %lu bytes", (unsigned long)o.len);
    note("I", text, (size_t)n);
    playback_deep_sleep(request_ms);
}

/* sys.lua's resume(task, ...) with the `nargs` values at the top; sys.lua logs a task error. */
static void resume(lua_State *L, int task, int nargs)
{
    sys_upvalue(L, "taskInit", "resume");
    lua_pushvalue(L, task);
    lua_rotate(L, -2 - nargs, 2);
    lua_call(L, 1 + nargs, 0);
}

void sleepy_sleep_if_asked(lua_State *L, bool in_sys_run)
{
    while (requested && uxQueueMessagesWaiting(g_rtos_queue) == 0) {
        requested = false;
        lua_getfield(L, LUA_REGISTRYINDEX, REQUEST_KEY);
        lua_getupvalue(L, -1, 1);
        lua_pushnil(L);
        lua_setupvalue(L, -3, 1);
        lua_remove(L, -2);
        int sleeper = lua_gettop(L);
        lua_pushnil(L);
        if (refusal[0]) {
            lua_pushstring(L, refusal);
            refusal[0] = '\0';
        } else {
            keep_tasks(L, sleeper, in_sys_run);
        }
        lua_copy(L, -1, sleeper + 2);
        lua_settop(L, sleeper + 2);
        resume(L, sleeper, 2);
        lua_settop(L, sleeper - 1);
    }
}

/* ---- Waking up --------------------------------------------------------------------------- */

struct reader {
    const uint8_t *p, *end;
    bool ok;
};

static const uint8_t *take(struct reader *r, size_t n)
{
    if (!r->ok || (size_t)(r->end - r->p) < n) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

static uint64_t take_le(struct reader *r, size_t n)
{
    const uint8_t *b = take(r, n);
    uint64_t v = 0;
    for (size_t i = n; b && i-- > 0;) {
        v = v << 8 | b[i];
    }
    return v;
}

static void not_restored(const char *why, size_t len)
{
    char text[256];
    int n = snprintf(text, sizeof text, "tasks not restored: %.*s; booting afresh", (int)len, why);
    note("W", text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* sim World::rearm_sleepy_timers: a timer due while the device slept fires at the first tick. */
static void rearm(int64_t id, uint64_t due_us, uint32_t period, uint64_t left)
{
    uint64_t now = playback_ticks_since_boot();
    uint64_t due = now + 1;
    while (playback_tick_time(due) < due_us) {
        due++;
    }
    if (rtos_rearm(id, (uint32_t)(due - now), period, left)) {
        uint64_t ms = (uint64_t)period * 1000u / g_scenario.tick_hz;
        trace_line("timer+", "id=%lld ms=%lld ticks=%lu repeat=%lld active=%lu", (long long)id, (long long)ms,
                   (unsigned long)(due - now), left == 0 ? -1LL : (long long)left - 2,
                   (unsigned long)rtos_active_timers());
    }
}

/* Calls the function and `nargs` values at the top through the prelude's call_protected; an
 * error is traced (`ERROR sleepy wake: ...`) unless the device is halting. */
static void call_protected(lua_State *L, int nargs)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_CALL_PROTECTED_KEY);
    lua_rotate(L, -2 - nargs, 1);
    lua_call(L, 1 + nargs, 2);
    if (!lua_toboolean(L, -2) && !lua_halting()) {
        lua_trace_error(L, "sleepy wake", "", 0);
        lua_pop(L, 1);
    } else {
        lua_pop(L, 2);
    }
}

/* The scripts, the timers' records and the event loop flag of the container `r` reads (sim
 * runtime/sleepy.rs read); false when it is not one this firmware writes. `scripts` is left on
 * the scripts' records (1-byte path length, path, CRC-32, and in an `embedded` container the
 * bytecode's length and bytes), read again in place by compile_scripts: nothing is copied. */
static bool read_container(struct reader *r, struct reader *scripts, size_t *nscripts, bool *embedded,
                           struct reader *timers, size_t *ntimers, bool *in_sys_run)
{
    uint64_t version = take_le(r, 1);
    if (version != LSR_TASKS_VERSION && version != LSR_TASKS_VERSION_EMBEDDED_CODE) {
        return false;
    }
    *embedded = version == LSR_TASKS_VERSION_EMBEDDED_CODE;
    *nscripts = (size_t)take_le(r, 1);
    const uint8_t *first = r->p;
    for (size_t i = 0; r->ok && i < *nscripts; i++) {
        (void)take(r, (size_t)take_le(r, 1));
        (void)take_le(r, 4);
        if (*embedded) {
            (void)take(r, (size_t)take_le(r, 4));
        }
    }
    *scripts = (struct reader){ first, r->p, r->ok };
    *ntimers = (size_t)take_le(r, 1);
    const uint8_t *t = take(r, *ntimers * 28u);
    *timers = (struct reader){ t, t + *ntimers * 28u, t != NULL };
    *in_sys_run = take_le(r, 1) == 1;
    return r->ok;
}

/* Compiles the `n` scripts `r` names, without running them, into the table at the top; false
 * (traced) when one changed since the tasks slept or does not compile. Scripts carried as
 * bytecode (`embedded`) are loaded from it, changed or not (a change is traced). */
static bool compile_scripts(lua_State *L, struct reader *r, size_t n, bool embedded)
{
    for (size_t i = 0; i < n; i++) {
        char path[256];
        size_t len = (size_t)take_le(r, 1);
        memcpy(path, take(r, len), len);
        path[len] = '\0';
        uint32_t crc = (uint32_t)take_le(r, 4);
        const struct pack_file *f = pack_find_file(&g_scenario, path);
        bool same = f && crc32_ieee(f->data, f->len) == crc;
        char name[260];
        snprintf(name, sizeof name, "@%s", path);
        int status;
        if (embedded) {
            size_t code_len = (size_t)take_le(r, 4);
            const char *code = (const char *)take(r, code_len);
            if (!same) {
                char text[320];
                int w = snprintf(text, sizeof text, "%s changed since the tasks slept; they go on in the code they slept in",
                                 path);
                note("W", text, (size_t)w < sizeof text ? (size_t)w : sizeof text - 1);
            }
            status = lua_load_bytecode(L, code, code + code_len, name);
        } else if (!same) {
            char why[300];
            int w = snprintf(why, sizeof why, "%s changed since they slept", path);
            not_restored(why, (size_t)w < sizeof why ? (size_t)w : sizeof why - 1);
            return false;
        } else {
            status = lua_load_builtin(L, (const char *)f->data, (const char *)f->data + f->len, name);
        }
        if (status != LUA_OK) {
            size_t mlen;
            const char *message = lua_tolstring(L, -1, &mlen);
            not_restored(message, mlen);
            return false;
        }
        sleepy_note_chunk_crc(L, path, crc);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return true;
}

/* sim runtime/sleepy.rs restore: the container at `at`; false when the boot goes on afresh. */
static bool restore(lua_State *L, int at)
{
    size_t total;
    const uint8_t *bytes = (const uint8_t *)lua_tolstring(L, at, &total);
    struct reader r = { bytes, bytes + total, true }, scripts, timers;
    int top = lua_gettop(L);
    size_t nscripts, ntimers;
    bool embedded, in_sys_run;
    if (!read_container(&r, &scripts, &nscripts, &embedded, &timers, &ntimers, &in_sys_run)) {
        const char why[] = "the image is not one this firmware writes";
        not_restored(why, sizeof why - 1);
        lua_settop(L, top);
        return false;
    }
    lua_pushcfunction(L, luasim_unpersist);
    lua_getfield(L, LUA_REGISTRYINDEX, CTX_KEY);
    lua_newtable(L);
    if (!compile_scripts(L, &scripts, nscripts, embedded)) {
        lua_settop(L, top);
        return false;
    }
    lua_pushlstring(L, (const char *)r.p, (size_t)(r.end - r.p));
    if (lua_pcall(L, 3, 1, 0) != LUA_OK) {
        first_line(L, "");
        size_t len;
        const char *message = lua_tolstring(L, -1, &len);
        not_restored(message, len);
        lua_settop(L, top);
        return false;
    }
    int sleeper = lua_gettop(L);
    for (size_t i = 0; i < ntimers; i++) {
        int64_t id = (int64_t)take_le(&timers, 8);
        uint64_t due_us = take_le(&timers, 8);
        uint32_t period = (uint32_t)take_le(&timers, 4);
        rearm(id, due_us, period, take_le(&timers, 8));
    }
    char text[48];
    int n = snprintf(text, sizeof text, "tasks restored: image %lu bytes", (unsigned long)total);
    note("I", text, (size_t)n);
    sys_upvalue(L, "taskInit", "resume");
    lua_pushvalue(L, sleeper);
    lua_pushstring(L, playback_wake_cause());
    call_protected(L, 2);
    if (in_sys_run && !lua_halting()) {
        lua_getglobal(L, "sys");
        lua_getfield(L, -1, "run");
        lua_remove(L, -2);
        call_protected(L, 0);
    }
    lua_settop(L, top);
    return true;
}

bool sleepy_wake(lua_State *L)
{
    const uint8_t *tasks;
    size_t n;
    if (!region_tasks(&tasks, &n)) {
        return false;
    }
    lua_pushlstring(L, (const char *)tasks, n); /* before the region is written again */
    struct region_full full;
    (void)region_set_tasks(NULL, 0, &full); /* taken out at every boot; removing always fits */
    bool restored = sleepy_enabled() && playback_woke_from_sleep() && restore(L, lua_gettop(L));
    if (!restored && sleepy_enabled()) {
        lua_newtable(L); /* the scripts run afresh and note their chunks again */
        lua_setfield(L, LUA_REGISTRYINDEX, CHUNKS_KEY);
    }
    lua_pop(L, 1);
    return restored;
}
