/* rtos_module.c: the `rtos` Lua module, the C layer under lua/sys.lua.
 *
 * One FreeRTOS queue (the profile's queue length, 256) and a pool of FreeRTOS software timers
 * (the profile's timer slots, 64), with the semantics sim/core/src/world/timers.rs and README.md
 * document: ms -> ticks rounded up (64-bit, >= 1 tick, <= 2^32-1 ticks); repeat 0 fires once,
 * -1 (any negative) forever, n > 0 n+1 times, each firing reporting the firings left; starting
 * an armed id re-arms it in its slot; the slot is freed at the last expiry. Expiries post
 * without blocking from the timer service task; a full queue drops the message and the drop is
 * traced. Same-tick order and drift-free reloads are the kernel's own (timers.c); each slot
 * also counts its place in that order (expiry, then insertion), for the sleepy image, which
 * lists the timers in it (sim TimerPool::armed) and re-arms them after the wake. */
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"
#include "timers.h"

/* RTOS_MSG_*, RTOS_INF_TIMEOUT, RTOS_VERSION: contract.h. */

struct slot {
    TimerHandle_t handle;
    bool armed;
    bool forever;
    int64_t id;
    uint64_t fires_left; /* including the next one, when not forever */
    uint64_t inserted;   /* when the kernel last put it in its active list (a counter) */
    uint32_t period;     /* re-armed after a wake: the period from the second firing on */
};

QueueHandle_t g_rtos_queue;
static struct slot *slots;
static uint32_t slot_count;
static uint64_t insertions;

static uint32_t active_count(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < slot_count; i++) {
        n += slots[i].armed;
    }
    return n;
}

/* Timer service task context. */
static void on_expiry(TimerHandle_t handle)
{
    struct slot *s = &slots[(uintptr_t)pvTimerGetTimerID(handle)];
    if (!s->armed) {
        return;
    }
    int64_t repeat;
    if (s->forever) {
        repeat = -1;
    } else {
        s->fires_left--;
        repeat = (int64_t)s->fires_left;
        if (s->fires_left == 0) {
            s->armed = false; /* the kernel made the (one-shot) timer dormant */
        } else if (s->fires_left == 1) {
            vTimerSetReloadMode(handle, pdFALSE); /* already reloaded; the next expiry is the last */
        }
    }
    if (s->armed && s->period) {
        /* The first firing of a timer re-armed after a wake: on with its own period. The
         * command is handled right after this callback, before the next timer of this tick. */
        vTimerSetReloadMode(handle, (s->forever || s->fires_left >= 2) ? pdTRUE : pdFALSE);
        if (xTimerChangePeriod(handle, s->period, 0) != pdPASS) {
            shim_fatal("timer command queue full");
        }
        s->period = 0;
    }
    if (s->armed) {
        s->inserted = ++insertions; /* reloaded (or re-armed) behind what is already due */
    }
    struct shim_msg m = { .kind = SHIM_MSG_TIMER, .id = s->id, .repeat = repeat };
    if (xQueueSend(g_rtos_queue, &m, 0) == pdPASS) {
        trace_line("fire", "id=%lld repeat=%lld depth=%lu", (long long)s->id, (long long)repeat,
                   (unsigned long)uxQueueMessagesWaiting(g_rtos_queue));
    } else {
        trace_line("drop", "timer id=%lld repeat=%lld (queue full, depth=%lu)", (long long)s->id, (long long)repeat,
                   (unsigned long)uxQueueMessagesWaiting(g_rtos_queue));
    }
}

void rtos_init(void)
{
    g_rtos_queue = xQueueCreate(g_scenario.queue_len, sizeof(struct shim_msg));
    slot_count = g_scenario.timer_slots;
    slots = pvPortMalloc(sizeof *slots * (slot_count ? slot_count : 1));
    if (!g_rtos_queue || !slots) {
        shim_fatal("cannot allocate the rtos queue and timers");
    }
    for (uint32_t i = 0; i < slot_count; i++) {
        memset(&slots[i], 0, sizeof slots[i]);
        slots[i].handle = xTimerCreate("rtos", 1, pdFALSE, (void *)(uintptr_t)i, on_expiry);
        if (!slots[i].handle) {
            shim_fatal("cannot create timer %lu", (unsigned long)i);
        }
    }
}

void rtos_post_step(const struct pack_step *step)
{
    if (step->kind >= PACK_STEP_MQTT && step->kind <= PACK_STEP_CONFIG) {
        firmware_apply_step(step);
        return;
    }
    struct shim_msg m = { .kind = SHIM_MSG_PUBLISH, .step = step };
    if (xQueueSend(g_rtos_queue, &m, 0) == pdPASS) {
        trace_line_escaped("inject", NULL, step->text, step->text_len, NULL);
    } else {
        char suffix[48];
        snprintf(suffix, sizeof suffix, " (queue full, depth=%lu)", (unsigned long)uxQueueMessagesWaiting(g_rtos_queue));
        trace_line_escaped("drop", NULL, step->text, step->text_len, suffix);
    }
}

void rtos_forget_timers(void)
{
    for (uint32_t i = 0; i < slot_count; i++) {
        if (slots[i].armed) {
            slots[i].armed = false;
            if (xTimerStop(slots[i].handle, 0) != pdPASS) {
                shim_fatal("timer command queue full");
            }
        }
    }
    UBaseType_t n = uxQueueMessagesWaiting(g_rtos_queue);
    for (UBaseType_t i = 0; i < n; i++) {
        struct shim_msg m;
        if (xQueueReceive(g_rtos_queue, &m, 0) == pdPASS && m.kind != SHIM_MSG_TIMER) {
            (void)xQueueSend(g_rtos_queue, &m, 0);
        }
    }
}

static int by_active_order(const void *pa, const void *pb)
{
    const struct sleepy_timer *a = pa, *b = pb;
    if (a->due_ticks != b->due_ticks) {
        return a->due_ticks < b->due_ticks ? -1 : 1;
    }
    return (a->order > b->order) - (a->order < b->order);
}

size_t rtos_sleepy_timers(struct sleepy_timer *out, size_t max)
{
    size_t n = 0;
    TickType_t now = xTaskGetTickCount();
    for (uint32_t i = 0; i < slot_count && n < max; i++) {
        const struct slot *s = &slots[i];
        if (!s->armed) {
            continue;
        }
        TickType_t left = xTimerGetExpiryTime(s->handle) - now;
        out[n++] = (struct sleepy_timer){
            .id = s->id,
            .due_ticks = playback_ticks_since_boot() + left,
            .period_ticks = s->period ? s->period : xTimerGetPeriod(s->handle),
            .fires_left = s->forever ? 0 : s->fires_left + 1,
            .order = s->inserted,
        };
    }
    qsort(out, n, sizeof *out, by_active_order);
    return n;
}

bool rtos_rearm(int64_t id, uint32_t ticks, uint32_t period, uint64_t fires_left)
{
    struct slot *s = NULL;
    for (uint32_t i = 0; i < slot_count && !s; i++) {
        if (!slots[i].armed) {
            s = &slots[i];
        }
    }
    if (!s) {
        return false;
    }
    s->id = id;
    s->armed = true;
    s->forever = fires_left == 0;
    s->fires_left = fires_left - 1;
    s->inserted = ++insertions;
    /* The first firing at `ticks`, then every `period` (switched in on_expiry). */
    s->period = ticks == period ? 0 : period;
    bool reload = ticks == period && (s->forever || s->fires_left >= 2);
    vTimerSetReloadMode(s->handle, reload ? pdTRUE : pdFALSE);
    if (xTimerChangePeriod(s->handle, ticks, 0) != pdPASS) {
        shim_fatal("timer command queue full");
    }
    return true;
}

uint32_t rtos_active_timers(void)
{
    return active_count();
}

static struct slot *slot_of(int64_t id)
{
    for (uint32_t i = 0; i < slot_count; i++) {
        if (slots[i].armed && slots[i].id == id) {
            return &slots[i];
        }
    }
    return NULL;
}

/* rtos.timer_start(id, ms [, repeat]) -> 1 | 0 */
static int l_timer_start(lua_State *L)
{
    int64_t id = arg_integer(L, 1);
    int64_t ms = arg_integer(L, 2);
    int64_t repeat = lua_isnoneornil(L, 3) ? 0 : arg_integer(L, 3);
    uint32_t ticks;
    if (!shim_ms_to_ticks(ms, g_scenario.tick_hz, &ticks)) {
        trace_line("timer!", "id=%lld ms=%lld refused: bad delay", (long long)id, (long long)ms);
        lua_pushinteger(L, 0);
        return 1;
    }
    struct slot *s = slot_of(id);
    if (!s) {
        for (uint32_t i = 0; i < slot_count && !s; i++) {
            if (!slots[i].armed) {
                s = &slots[i];
            }
        }
    }
    if (!s) {
        trace_line("timer!", "id=%lld ms=%lld refused: no free timer slot", (long long)id, (long long)ms);
        lua_pushinteger(L, 0);
        return 1;
    }
    s->id = id;
    s->armed = true;
    s->period = 0;
    s->inserted = ++insertions;
    s->forever = repeat < 0;
    s->fires_left = repeat < 0 ? 0 : ((uint64_t)repeat == UINT64_MAX ? UINT64_MAX : (uint64_t)repeat + 1);
    vTimerSetReloadMode(s->handle, (s->forever || s->fires_left >= 2) ? pdTRUE : pdFALSE);
    /* (Re)starts the timer: expiry = this tick + period; a re-armed timer goes behind timers
     * already due at the same tick. The timer task outranks this one and handles it at once. */
    if (xTimerChangePeriod(s->handle, ticks, 0) != pdPASS) {
        shim_fatal("timer command queue full");
    }
    trace_line("timer+", "id=%lld ms=%lld ticks=%lu repeat=%lld active=%lu", (long long)id, (long long)ms,
               (unsigned long)ticks, (long long)repeat, (unsigned long)active_count());
    lua_pushinteger(L, 1);
    return 1;
}

/* rtos.timer_stop(id) */
static int l_timer_stop(lua_State *L)
{
    int64_t id = arg_integer(L, 1);
    struct slot *s = slot_of(id);
    if (s) {
        s->armed = false;
        if (xTimerStop(s->handle, 0) != pdPASS) {
            shim_fatal("timer command queue full");
        }
        trace_line("timer-", "id=%lld", (long long)id);
    }
    return 0;
}

static void push_arg(lua_State *L, const struct pack_arg *a)
{
    switch (a->tag) {
    case PACK_ARG_BOOL:
        lua_pushboolean(L, a->integer != 0);
        break;
    case PACK_ARG_INT:
        lua_pushinteger(L, a->integer);
        break;
    case PACK_ARG_FLOAT:
        lua_pushnumber(L, a->number);
        break;
    default:
        lua_pushlstring(L, a->str, a->str_len);
        break;
    }
}

/* rtos.receive([timeout]) -> MSG_TIMER, id, repeat | MSG_PUBLISH, topic, args... |
 * MSG_CALLBACK after running a firmware callback | MSG_TIMEOUT. A reload message stops Lua. */
static int l_receive(lua_State *L)
{
    sleepy_sleep_if_asked(L, true);
    TickType_t wait = portMAX_DELAY;
    if (!lua_isnoneornil(L, 1)) {
        int64_t ms = arg_integer(L, 1);
        if (ms < 0 && ms != RTOS_INF_TIMEOUT) {
            return luaL_error(L, "bad argument #1 to 'receive' (timeout must be >= 0 or rtos.INF_TIMEOUT, got %I)",
                              (lua_Integer)ms);
        }
        if (ms >= 0) {
            uint32_t ticks;
            if (!shim_ms_to_ticks(ms, g_scenario.tick_hz, &ticks)) {
                ticks = ms == 0 ? 0 : portMAX_DELAY - 1;
            }
            wait = ticks == portMAX_DELAY ? portMAX_DELAY - 1 : ticks;
        }
    }
    struct shim_msg m;
    lua_watchdog_feed();
    if (xQueueReceive(g_rtos_queue, &m, wait) != pdPASS) {
        lua_pushinteger(L, RTOS_MSG_TIMEOUT);
        return 1;
    }
    if (m.kind == SHIM_MSG_CALLBACK) {
        firmware_run_callback(&m);
        lua_pushinteger(L, RTOS_MSG_CALLBACK);
        return 1;
    }
    if (m.kind == SHIM_MSG_RELOAD) {
        char trigger[160];
        firmware_reload_trigger(&m, trigger, sizeof trigger);
        lua_request_reload(L, trigger);
        return 0;
    }
    if (m.kind == SHIM_MSG_TIMER) {
        lua_pushinteger(L, RTOS_MSG_TIMER);
        lua_pushinteger(L, m.id);
        lua_pushinteger(L, m.repeat);
        return 3;
    }
    const struct pack_step *st = m.step;
    luaL_checkstack(L, (int)st->argc + 2, "too many publish arguments");
    lua_pushinteger(L, RTOS_MSG_PUBLISH);
    lua_pushlstring(L, st->topic, st->topic_len);
    for (uint32_t i = 0; i < st->argc; i++) {
        push_arg(L, &st->args[i]);
    }
    return 2 + (int)st->argc;
}

/* rtos.meminfo() -> total, used, max used (device bytes of the Lua heap) */
static int l_meminfo(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)g_scenario.lua_heap_bytes);
    lua_pushinteger(L, (lua_Integer)lua_heap_used(L));
    lua_pushinteger(L, (lua_Integer)lua_heap_state_peak(L));
    return 3;
}

static int l_version(lua_State *L)
{
    lua_pushliteral(L, RTOS_VERSION);
    return 1;
}

static int l_reboot(lua_State *L)
{
    (void)L;
    playback_reboot("rtos.reboot");
}

int luaopen_rtos(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "receive", l_receive }, { "timer_start", l_timer_start }, { "timer_stop", l_timer_stop },
        { "meminfo", l_meminfo }, { "version", l_version },         { "reboot", l_reboot },
        { NULL, NULL },
    };
    luaL_newlib(L, fns);
#define RTOS_CONSTANT(field) { #field, RTOS_##field },
    static const struct { const char *name; int value; } constants[] = { RTOS_CONSTANTS(RTOS_CONSTANT) };
#undef RTOS_CONSTANT
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    return 1;
}
