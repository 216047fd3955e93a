/* firmware.c: the firmware's side of the bindings, mirroring sim/core/src/world/firmware.rs and the
 * step handling of sim/core/src/world/steps.rs.
 *
 * Registrations made from Lua (EventBus, MQTT, Node.setTimeout) are stamped with the
 * generation of the state that made them and traced (`sub`). An event, incoming MQTT message
 * or timeout posts a callback message on the rtos queue for every matching registration of
 * the current generation; an older one is skipped (`skip`, both generations) and falls away,
 * unless the build has the seed's naive reload, whose old states keep running their callbacks.
 * The Lua task runs the callback (`call`) in the state of its generation. Also here: the device
 * configuration (Config.get, `config` steps), the flash writes of `write` steps, the
 * `<mqtt.prefix>/cmd/lua/reload` topic, the event `gpio` of a gpio step while awake, and the
 * GNSS fix GNSS.lastFix reads (the power-on fix, replaced by `gnss` steps), and the wall clock's
 * offset os.time adds (`clock_jump` steps), and the broker's outages (`mqtt_disconnect` steps:
 * MQTT steps meanwhile are lost). Registrations are lost at a reset (main RAM); their id
 * counter, the configuration, the flash, the GNSS fix, the wall clock and the outages survive
 * it, as in the simulator (the fix, the clock and the broker are the outside world's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static const char CALLBACKS_KEY[] = "luasim.callbacks";

struct registration {
    uint64_t id;
    uint32_t generation;
    int listener;
    char *arg; /* event name or topic filter */
    size_t arg_len;
};

struct timeout {
    uint64_t due_us;
    uint64_t id;
};

static struct registration *regs;
static size_t reg_count, reg_cap;
static struct timeout *timeouts;
static size_t timeout_count, timeout_cap;
static uint64_t next_id;
static bool config_ready;
static struct json config;
static bool gnss_ready;
static const struct json *gnss_fix; /* in the blob's tables: the power-on fix or a step's */
static int64_t wall_offset_us;      /* every clock_jump played, saturating */
static uint64_t mqtt_down_until;    /* the broker is back at this virtual time (µs) */

uint64_t firmware_next_id(void)
{
    return next_id;
}

void firmware_keep_next_id(uint64_t id)
{
    next_id = id;
}

/* `array` with room for one more element. */
static void *grow(void *array, size_t *cap, size_t count, size_t size)
{
    if (count < *cap) {
        return array;
    }
    *cap = *cap ? *cap * 2 : 16;
    array = realloc(array, *cap * size);
    if (!array) {
        shim_fatal("out of memory (firmware heap)");
    }
    return array;
}

static struct registration *find(uint64_t id)
{
    for (size_t i = 0; i < reg_count; i++) {
        if (regs[i].id == id) {
            return &regs[i];
        }
    }
    return NULL;
}

static void forget(uint64_t id)
{
    struct registration *r = find(id);
    if (r) {
        free(r->arg);
        size_t at = (size_t)(r - regs);
        memmove(&regs[at], &regs[at + 1], sizeof *regs * (reg_count - at - 1));
        reg_count--;
    }
}

/* Listener::describe: `EventBus <event>`, `MQTT <filter>`, `Node.setTimeout`, one_line'd. */
static void trace_what(const struct registration *r)
{
    if (r->listener == LISTEN_TIMEOUT) {
        trace_raw("Node.setTimeout");
        return;
    }
    trace_raw(r->listener == LISTEN_EVENTBUS ? "EventBus " : "MQTT ");
    trace_text(r->arg, r->arg_len);
}

static void trace_registration(const char *kind, const struct registration *r)
{
    char head[64];
    snprintf(head, sizeof head, "#%llu gen=%lu ", (unsigned long long)r->id, (unsigned long)r->generation);
    trace_begin(kind);
    trace_raw(head);
    trace_what(r);
    trace_end();
}

/* Stores `fn` as the callback of registration `id` in this state's registry table. */
static void keep_callback(lua_State *L, uint64_t id, int fn_index)
{
    fn_index = lua_absindex(L, fn_index);
    if (lua_getfield(L, LUA_REGISTRYINDEX, CALLBACKS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, CALLBACKS_KEY);
    }
    lua_pushvalue(L, fn_index);
    lua_seti(L, -2, (lua_Integer)id);
    lua_pop(L, 1);
}

static uint64_t add_registration(int listener, const char *arg, size_t len)
{
    regs = grow(regs, &reg_cap, reg_count, sizeof *regs);
    struct registration *r = &regs[reg_count++];
    r->id = ++next_id;
    r->generation = playback_generation();
    r->listener = listener;
    r->arg = json_alloc(len + 1);
    memcpy(r->arg, arg, len);
    r->arg[len] = 0;
    r->arg_len = len;
    trace_registration("sub", r);
    return r->id;
}

uint64_t firmware_register(lua_State *L, int listener, const char *arg, size_t len, int fn_index)
{
    uint64_t id = add_registration(listener, arg, len);
    keep_callback(L, id, fn_index);
    return id;
}

uint64_t firmware_set_timeout(lua_State *L, int64_t ms, int fn_index)
{
    uint64_t id = add_registration(LISTEN_TIMEOUT, "", 0);
    uint64_t add = (uint64_t)ms > UINT64_MAX / 1000u ? UINT64_MAX : (uint64_t)ms * 1000u;
    uint64_t now = playback_now_us();
    uint64_t due = add > UINT64_MAX - now ? UINT64_MAX : now + add;
    timeouts = grow(timeouts, &timeout_cap, timeout_count, sizeof *timeouts);
    size_t at = timeout_count;
    while (at > 0 && (timeouts[at - 1].due_us > due || (timeouts[at - 1].due_us == due && timeouts[at - 1].id > id))) {
        at--;
    }
    memmove(&timeouts[at + 1], &timeouts[at], sizeof *timeouts * (timeout_count - at));
    timeouts[at] = (struct timeout){ due, id };
    timeout_count++;
    keep_callback(L, id, fn_index);
    return id;
}

uint64_t firmware_next_timeout(void)
{
    return timeout_count ? timeouts[0].due_us : UINT64_MAX;
}

/* World::may_call: whether registration `id` may run now; traces the skip when it may not. */
static bool may_call(uint64_t id)
{
    struct registration *r = find(id);
    if (!r) {
        return false;
    }
    uint32_t current = playback_generation();
    if (r->generation == current || g_scenario.naive_reload) {
        return true;
    }
    char head[32], tail[80];
    snprintf(head, sizeof head, "#%llu ", (unsigned long long)id);
    snprintf(tail, sizeof tail, " (made in generation %lu, current %lu)", (unsigned long)r->generation,
             (unsigned long)current);
    trace_begin("skip");
    trace_raw(head);
    trace_what(r);
    trace_raw(tail);
    trace_end();
    forget(id);
    return false;
}

void firmware_trace_drop(const struct shim_msg *m)
{
    char depth[48];
    snprintf(depth, sizeof depth, " (queue full, depth=%lu)", (unsigned long)uxQueueMessagesWaiting(g_rtos_queue));
    trace_begin("drop");
    if (m->kind == SHIM_MSG_CALLBACK) {
        char text[40];
        snprintf(text, sizeof text, "callback #%llu", (unsigned long long)m->id);
        trace_raw(text);
    } else {
        char trigger[16];
        trace_raw("reload (");
        if (m->step) {
            trace_raw("mqtt ");
            trace_text(m->step->topic, m->step->topic_len);
        } else {
            firmware_reload_trigger(m, trigger, sizeof trigger);
            trace_raw(trigger);
        }
        trace_raw(")");
    }
    trace_raw(depth);
    trace_end();
}

static void post(const struct shim_msg *m)
{
    if (xQueueSend(g_rtos_queue, m, 0) != pdPASS) {
        firmware_trace_drop(m);
    }
}

static void deliver(uint64_t id, const struct pack_step *step)
{
    if (may_call(id)) {
        struct shim_msg m = { .kind = SHIM_MSG_CALLBACK, .id = (int64_t)id, .step = step };
        post(&m);
    }
}

void firmware_fire_due_timeouts(uint64_t now_us)
{
    while (timeout_count && timeouts[0].due_us <= now_us) {
        uint64_t id = timeouts[0].id;
        memmove(&timeouts[0], &timeouts[1], sizeof *timeouts * (timeout_count - 1));
        timeout_count--;
        deliver(id, NULL);
    }
}

typedef bool (*listens_to)(const struct registration *r, const struct pack_step *step);

/* The ids of the registrations matching `pred` now, in id order (taken before delivering:
 * a skip removes registrations). */
static size_t matching(const struct pack_step *step, uint64_t **ids, listens_to pred)
{
    *ids = json_alloc(sizeof **ids * (reg_count ? reg_count : 1));
    size_t n = 0;
    for (size_t i = 0; i < reg_count; i++) {
        if (pred(&regs[i], step)) {
            (*ids)[n++] = regs[i].id;
        }
    }
    return n;
}

static bool is_event(const struct registration *r, const struct pack_step *step)
{
    return r->listener == LISTEN_EVENTBUS && r->arg_len == step->topic_len &&
           memcmp(r->arg, step->topic, r->arg_len) == 0;
}

/* One level of an MQTT topic or filter: [*at, end of level); false past the last. */
struct levels {
    const char *s;
    size_t len, pos;
    bool done;
};

static bool next_level(struct levels *l, const char **level, size_t *n)
{
    if (l->done) {
        return false;
    }
    const char *slash = memchr(l->s + l->pos, '/', l->len - l->pos);
    size_t end = slash ? (size_t)(slash - l->s) : l->len;
    *level = l->s + l->pos;
    *n = end - l->pos;
    l->done = !slash;
    l->pos = end + 1;
    return true;
}

/* world/firmware.rs topic_matches: `+` one level, `#` the rest. */
static bool topic_matches(const char *filter, size_t flen, const char *topic, size_t tlen)
{
    struct levels f = { filter, flen, 0, false }, t = { topic, tlen, 0, false };
    for (;;) {
        const char *a, *b;
        size_t an, bn;
        bool has_f = next_level(&f, &a, &an), has_t = next_level(&t, &b, &bn);
        if (has_f && an == 1 && a[0] == '#') {
            return true;
        }
        if (!has_f && !has_t) {
            return true;
        }
        if (!has_f || !has_t) {
            return false;
        }
        if (!(an == 1 && a[0] == '+') && !(an == bn && memcmp(a, b, an) == 0)) {
            return false;
        }
    }
}

static bool is_mqtt(const struct registration *r, const struct pack_step *step)
{
    return r->listener == LISTEN_MQTT && topic_matches(r->arg, r->arg_len, step->topic, step->topic_len);
}

static void deliver_all(const struct pack_step *step, listens_to pred)
{
    uint64_t *ids;
    size_t n = matching(step, &ids, pred);
    for (size_t i = 0; i < n; i++) {
        deliver(ids[i], step);
    }
    free(ids);
}

static void ensure_config(void)
{
    if (!config_ready) {
        json_clone(&g_scenario.config, &config);
        config_ready = true;
    }
}

const struct json *firmware_config_get(const char *path, size_t len)
{
    ensure_config();
    return json_get_path(&config, path, len);
}

static void ensure_gnss(void)
{
    if (!gnss_ready) {
        gnss_fix = g_scenario.has_gnss ? &g_scenario.gnss : NULL;
        gnss_ready = true;
    }
}

const struct json *firmware_gnss_fix(void)
{
    ensure_gnss();
    return gnss_fix;
}

static void gnss_set(const struct pack_step *step)
{
    gnss_ready = true;
    gnss_fix = step->fix_lost ? NULL : &step->value;
}

static void clock_jump(const struct pack_step *step)
{
    if (__builtin_add_overflow(wall_offset_us, step->jump_us, &wall_offset_us)) {
        wall_offset_us = step->jump_us < 0 ? INT64_MIN : INT64_MAX;
    }
}

/* World::apply MqttDisconnect: outages overlap, the latest end counts. */
static void mqtt_disconnect(const struct pack_step *step)
{
    uint64_t until = step->at_us + step->off_us < step->at_us ? UINT64_MAX : step->at_us + step->off_us;
    mqtt_down_until = until > mqtt_down_until ? until : mqtt_down_until;
}

bool firmware_mqtt_connected(void)
{
    return playback_now_us() >= mqtt_down_until;
}

int64_t firmware_wall_clock_s(void)
{
    int64_t us;
    if (__builtin_add_overflow((int64_t)playback_now_us(), wall_offset_us, &us)) {
        us = wall_offset_us < 0 ? INT64_MIN : INT64_MAX;
    }
    /* div_euclid by a positive divisor: rounds towards minus infinity. */
    int64_t s = us / 1000000, r = us % 1000000;
    return r < 0 ? s - 1 : s;
}

/* World::reload_topic: `<mqtt.prefix>/cmd/lua/reload`, the prefix `device` unless configured. */
static bool is_reload_topic(const char *topic, size_t len)
{
    const struct json *prefix = firmware_config_get("mqtt.prefix", 11);
    const char *p = "device";
    size_t plen = 6;
    if (prefix && prefix->type == JSON_STR) {
        p = prefix->u.str.bytes;
        plen = prefix->u.str.len;
    }
    static const char tail[] = "/cmd/lua/reload";
    return len == plen + sizeof tail - 1 && memcmp(topic, p, plen) == 0 && memcmp(topic + plen, tail, sizeof tail - 1) == 0;
}

void firmware_reload_trigger(const struct shim_msg *m, char *out, size_t size)
{
    if (m->step) {
        snprintf(out, size, "mqtt %.*s", (int)m->step->topic_len, m->step->topic);
    } else {
        snprintf(out, size, "step");
    }
}

static void request_reload(const struct pack_step *mqtt_step)
{
    struct shim_msg m = { .kind = SHIM_MSG_RELOAD, .step = mqtt_step };
    post(&m);
}

/* Creates or replaces a file on the flash (the blob's file table). */
static void flash_write(const struct pack_step *step)
{
    for (uint32_t i = 0; i < g_scenario.file_count; i++) {
        if (strcmp(g_scenario.files[i].path, step->topic) == 0) {
            g_scenario.files[i].data = (const uint8_t *)step->payload;
            g_scenario.files[i].len = step->payload_len;
            return;
        }
    }
    struct pack_file *files = realloc(g_scenario.files, sizeof *files * (g_scenario.file_count + 1));
    if (!files) {
        shim_fatal("out of memory (firmware heap)");
    }
    files[g_scenario.file_count++] = (struct pack_file){ step->topic, (const uint8_t *)step->payload, step->payload_len };
    g_scenario.files = files;
}

static void config_set(const struct pack_step *step)
{
    ensure_config();
    json_set_path(&config, step->topic, step->topic_len, &step->value);
}

void firmware_apply_step(const struct pack_step *step)
{
    if (step->kind == PACK_STEP_MQTT && !firmware_mqtt_connected()) {
        trace_line_escaped("inject", "lost while MQTT is disconnected: ", step->text, step->text_len, NULL);
        return;
    }
    trace_line_escaped("inject", NULL, step->text, step->text_len, NULL);
    switch (step->kind) {
    case PACK_STEP_MQTT:
        if (is_reload_topic(step->topic, step->topic_len)) {
            request_reload(step);
        } else {
            deliver_all(step, is_mqtt);
        }
        break;
    case PACK_STEP_EVENT:
        deliver_all(step, is_event);
        break;
    case PACK_STEP_RELOAD:
        request_reload(NULL);
        break;
    case PACK_STEP_WRITE:
        flash_write(step);
        break;
    case PACK_STEP_CONFIG:
        config_set(step);
        break;
    case PACK_STEP_GNSS:
        gnss_set(step);
        break;
    case PACK_STEP_CLOCK_JUMP:
        clock_jump(step);
        break;
    case PACK_STEP_MQTT_DISCONNECT:
        mqtt_disconnect(step);
        break;
    default:
        break;
    }
}

void firmware_gpio_event(const struct pack_step *gpio)
{
    /* Queued callbacks point at their step, so the event's step stays for the whole run. */
    static char pin_key[] = "pin";
    struct json_member *pin = json_alloc(sizeof *pin);
    *pin = (struct json_member){ .key = pin_key, .key_len = 3, .value = { .type = JSON_INT, .u.integer = gpio->pin } };
    struct pack_step *event = json_alloc(sizeof *event);
    *event = (struct pack_step){
        .at_us = gpio->at_us,
        .kind = PACK_STEP_EVENT,
        .text = gpio->text,
        .text_len = gpio->text_len,
        .topic = "gpio",
        .topic_len = 4,
        .value = { .type = JSON_OBJECT, .count = 1, .u.members = pin },
    };
    deliver_all(event, is_event);
}

void firmware_replay(const struct scenario *s, size_t steps_done)
{
    size_t rank = 0; /* among the write, config, gnss and clock_jump steps */
    for (size_t i = 0; i < steps_done && i < s->step_count; i++) {
        const struct pack_step *st = &s->steps[i];
        if (st->kind == PACK_STEP_MQTT_DISCONNECT) {
            mqtt_disconnect(st); /* played asleep or not: never missed */
            continue;
        }
        switch (st->kind) {
        case PACK_STEP_WRITE:
        case PACK_STEP_CONFIG:
        case PACK_STEP_GNSS:
        case PACK_STEP_CLOCK_JUMP:
            break;
        default:
            continue;
        }
        if (playback_missed(rank++)) {
            continue;
        }
        if (st->kind == PACK_STEP_WRITE) {
            flash_write(st);
        } else if (st->kind == PACK_STEP_CONFIG) {
            config_set(st);
        } else if (st->kind == PACK_STEP_GNSS) {
            gnss_set(st);
        } else {
            clock_jump(st);
        }
    }
}

/* The values a callback is called with: none, the event's data, or topic and payload. */
static int push_callback_args(lua_State *T, const struct pack_step *step)
{
    if (!step) {
        return 0;
    }
    if (step->kind == PACK_STEP_EVENT) {
        json_push(T, &step->value);
        return 1;
    }
    lua_pushlstring(T, step->topic, step->topic_len);
    lua_pushlstring(T, step->payload, step->payload_len);
    return 2;
}

static const char *error_prefix(int listener)
{
    switch (listener) {
    case LISTEN_EVENTBUS:
        return "callback EventBus ";
    case LISTEN_MQTT:
        return "callback MQTT ";
    default:
        return "callback Node.setTimeout";
    }
}

/* push_callback_args in protected mode (the step is the light userdata at 1). */
static int push_callback_args_protected(lua_State *T)
{
    const struct pack_step *step = lua_touserdata(T, 1);
    lua_pop(T, 1);
    return push_callback_args(T, step);
}

/* dispatch.rs run_callback: a message whose data does not fit in the Lua heap is dropped with
 * a warning line, and the task goes on. */
static void trace_too_big(const struct registration *reg, const struct pack_step *step)
{
    trace_begin("log");
    if (step && step->kind != PACK_STEP_EVENT) {
        char bytes[32];
        snprintf(bytes, sizeof bytes, " (%lu bytes)", (unsigned long)step->payload_len);
        trace_raw("W/mqtt message dropped (does not fit in the Lua heap): ");
        trace_text(step->topic, step->topic_len);
        trace_raw(bytes);
    } else {
        trace_raw("W/firmware callback dropped (its data does not fit in the Lua heap): ");
        trace_what(reg);
    }
    trace_end();
}

/* Calls the callback of `reg` in `T` through the prelude's call_protected; an error is
 * traced (`ERROR callback <what>: ...`) unless the device is halting. */
static void call_in_state(lua_State *T, const struct registration *reg, const struct pack_step *step)
{
    int top = lua_gettop(T);
    lua_getfield(T, LUA_REGISTRYINDEX, "luasim.call_protected");
    if (lua_getfield(T, LUA_REGISTRYINDEX, CALLBACKS_KEY) == LUA_TTABLE &&
        lua_geti(T, -1, (lua_Integer)reg->id) == LUA_TFUNCTION) {
        lua_remove(T, -2);
        int base = lua_gettop(T);
        lua_pushcfunction(T, push_callback_args_protected);
        lua_pushlightuserdata(T, (void *)step);
        int status = lua_pcall(T, 1, LUA_MULTRET, 0);
        if (status == LUA_ERRMEM) {
            trace_too_big(reg, step);
            lua_settop(T, top);
            return;
        }
        if (status != LUA_OK) {
            lua_error(T);
        }
        int argc = lua_gettop(T) - base;
        trace_registration("call", reg);
        bool failed = lua_pcall(T, 1 + argc, 2, 0) != LUA_OK || !lua_toboolean(T, -2);
        if (failed && !lua_halting()) {
            lua_trace_error(T, error_prefix(reg->listener), reg->arg, reg->arg_len);
        }
    }
    lua_settop(T, top);
}

/* dispatch.rs run_callback: in the state of the registration's generation, if it may run and
 * that state is alive; a Node.setTimeout registration is used up. */
void firmware_run_callback(const struct shim_msg *m)
{
    uint64_t id = (uint64_t)m->id;
    if (!may_call(id)) {
        return;
    }
    struct registration reg = *find(id);
    reg.arg = json_alloc(reg.arg_len + 1);
    memcpy(reg.arg, find(id)->arg, reg.arg_len + 1);
    if (reg.listener == LISTEN_TIMEOUT) {
        forget(id);
    }
    lua_State *T = lua_state_of(reg.generation);
    if (T) {
        call_in_state(T, &reg, m->step);
    }
    free(reg.arg);
}
