/* playback.c: plays a packed scenario on the real FreeRTOS kernel in virtual time.
 *
 * The simulator runs Lua in zero virtual time and jumps from deadline to deadline
 * (sim/src/world/mod.rs). To compare traces byte for byte, the firmware does the same on the
 * real kernel: there is no tick interrupt; this task, the lowest-priority one, runs only when
 * every other task is blocked, asks the kernel when the next blocked task wakes, and moves the
 * tick count exactly there (or to the next scenario step, or the end of the run). At each
 * instant it does what World::run_until does: the ticks are caught up with the Lua task held,
 * so the timer service task (higher priority) posts every expiry of that tick first; then the
 * Node.setTimeout expiries due (src/firmware.c) and the steps due at that instant are posted; only then may the Lua task run, and it runs until it
 * blocks again, taking no virtual time. Trace lines carry the instant's time, so events caused
 * by Lua print the time of the event that woke it, exactly like the simulator.
 *
 * A reboot is a real machine reset: the clock and the position in the scenario survive in the
 * board's retained memory, everything else (Lua state, queue, timers, tick count) starts over,
 * as in World::boot. */
#include <stdio.h>

#include "board.h"
#include "shim.h"

static uint64_t now_us;
static uint64_t boot_origin_us; /* virtual time of this boot's reset */
static uint64_t ticks_since_boot;
static size_t next_step;
static uint32_t generation = 1;
static const char *boot_cause = "power-on";
TaskHandle_t g_lua_task;

/* What survives a reboot (board_retained): the virtual clock and the playback's position. */
#define RETAINED_MAGIC 0x4c525354u /* "LRST" */
struct retained {
    uint32_t magic;
    uint32_t scenario_crc; /* a reset belongs to the scenario that asked for it */
    uint64_t now_us;
    uint32_t generation;
    uint32_t next_step;
    uint32_t heap_peak; /* Lua heap peak so far, device bytes */
    uint64_t next_registration; /* firmware registration ids go on counting */
    char cause[48];
};
static char cause_buf[64];

#define LUA_TASK_PRIORITY 2
#define LUA_TASK_STACK_WORDS (64u * 1024u / sizeof(StackType_t))

uint64_t playback_now_us(void)
{
    return now_us;
}

uint32_t playback_generation(void)
{
    return generation;
}

uint32_t playback_next_generation(void)
{
    return ++generation;
}

uint64_t playback_ticks_since_boot(void)
{
    return ticks_since_boot;
}

bool shim_ms_to_ticks(int64_t ms, uint32_t tick_hz, uint32_t *ticks)
{
    if (ms < 1) {
        return false;
    }
    /* ceil(ms * hz / 1000) without overflow: ms < 2^63 and hz <= 10^6 fit in 128 bits; split
     * so 64-bit arithmetic suffices. */
    uint64_t m = (uint64_t)ms;
    uint64_t q = m / 1000u, r = m % 1000u;
    if (q > UINT32_MAX) {
        return false;
    }
    uint64_t whole = q * tick_hz;          /* < 2^32 * 2^20 */
    uint64_t part = (r * tick_hz + 999u) / 1000u;
    uint64_t total = whole + part;
    if (total > UINT32_MAX) {
        return false;
    }
    *ticks = (uint32_t)total;
    return true;
}

/* sim/src/world/clock.rs tick_time: the µs at which tick `ticks` (since this boot) begins. */
static uint64_t tick_start_us(uint64_t ticks)
{
    uint32_t hz = g_scenario.tick_hz;
    uint64_t q = ticks / hz, r = ticks % hz;
    return boot_origin_us + q * 1000000u + (r * 1000000u + hz - 1) / hz;
}

/* sim/src/world/clock.rs ticks_since_boot: whole ticks of this boot elapsed at `us`. */
static uint64_t ticks_at(uint64_t us)
{
    uint32_t hz = g_scenario.tick_hz;
    us -= boot_origin_us;
    uint64_t q = us / 1000000u, r = us % 1000000u;
    return q * hz + (r * hz) / 1000000u;
}

/* A reset asked for by `rtos.reboot()` (or a binding): keep the clock and the playback's
 * position, then reset the machine. Called from the Lua task; no more Lua runs. */
void playback_reboot(const char *cause)
{
    size_t size;
    struct retained *r = board_retained(&size);
    configASSERT(size >= sizeof *r);
    vTaskSuspendAll();
    r->magic = RETAINED_MAGIC;
    r->scenario_crc = g_scenario.crc;
    r->now_us = now_us;
    r->generation = generation;
    r->next_step = (uint32_t)next_step;
    r->heap_peak = (uint32_t)lua_heap_peak();
    r->next_registration = firmware_next_id();
    snprintf(r->cause, sizeof r->cause, "%s", cause);
    board_reset();
}

/* Picks up where a reboot left off; a power-on finds no (or another scenario's) record. */
static void restore_after_reset(void)
{
    size_t size;
    struct retained *r = board_retained(&size);
    if (r->magic == RETAINED_MAGIC && r->scenario_crc == g_scenario.crc) {
        now_us = boot_origin_us = r->now_us;
        generation = r->generation + 1;
        next_step = r->next_step;
        lua_heap_keep_peak(r->heap_peak);
        firmware_keep_next_id(r->next_registration);
        firmware_replay(&g_scenario, next_step);
        snprintf(cause_buf, sizeof cause_buf, "reset (%s)", r->cause);
        boot_cause = cause_buf;
    }
    r->magic = 0;
}

/* Moves the kernel's tick count forward by `n`; only the last tick may wake tasks. */
static void catch_up(uint64_t n)
{
    while (n > 1) {
        /* Jumps stop short of the wrap: the last ticks before it (and the wrap itself) are real
         * increments, which switch the kernel's delayed lists. */
        TickType_t now = xTaskGetTickCount();
        uint64_t room = now >= portMAX_DELAY - 1 ? 0 : (uint64_t)(portMAX_DELAY - 1 - now);
        uint64_t jump = n - 1 < room ? n - 1 : room;
        if (jump == 0) {
            (void)xTaskCatchUpTicks(1);
            n -= 1;
        } else {
            shim_jump_ticks((TickType_t)jump);
            n -= jump;
        }
    }
    if (n == 1) {
        (void)xTaskCatchUpTicks(1);
    }
}

/* Enters the instant `t`: holds the Lua task, then advances the ticks (the timer service task
 * runs and posts whatever expires at the new tick). */
static void enter_instant(uint64_t t)
{
    if (g_lua_task) {
        vTaskSuspend(g_lua_task);
    }
    now_us = t;
    uint64_t target = ticks_at(t);
    if (target > ticks_since_boot) {
        uint64_t n = target - ticks_since_boot;
        ticks_since_boot = target;
        catch_up(n);
    }
}

void playback_task(void *arg)
{
    (void)arg;
    const struct scenario *s = &g_scenario;
    /* The timer service task (higher priority) has run and blocked without a timeout. */
    shim_set_tick_count(s->start_tick);
    restore_after_reset();
    /* The firmware has no sleep region yet: every boot finds it empty. */
    trace_line("boot", "profile=%s tick_hz=%lu cause=%s generation=%lu region=empty 0 bytes", s->profile,
               (unsigned long)s->tick_hz, boot_cause, (unsigned long)generation);
    bool booted = false;
    for (;;) {
        uint64_t wake = shim_ticks_until_next_wake();
        uint64_t t_tick = wake == UINT64_MAX ? UINT64_MAX : tick_start_us(ticks_since_boot + wake);
        uint64_t t_step = next_step < s->step_count ? s->steps[next_step].at_us : UINT64_MAX;
        uint64_t t_boot = booted ? UINT64_MAX : boot_origin_us + s->boot_us;
        uint64_t t_timeout = firmware_next_timeout();
        uint64_t t = t_tick < t_step ? t_tick : t_step;
        t = t < t_timeout ? t : t_timeout;
        t = t < t_boot ? t : t_boot;
        if (t > s->duration_us) {
            break;
        }
        enter_instant(t);
        firmware_fire_due_timeouts(t);
        while (next_step < s->step_count && s->steps[next_step].at_us <= t) {
            rtos_post_step(&s->steps[next_step]);
            next_step++;
        }
        if (!booted && t >= boot_origin_us + s->boot_us) {
            booted = true;
            /* Higher priority than this task: runs at once, until it blocks. */
            if (xTaskCreate(lua_task, "lua", LUA_TASK_STACK_WORDS, NULL, LUA_TASK_PRIORITY, &g_lua_task) != pdPASS) {
                shim_fatal("cannot create the Lua task");
            }
        } else if (g_lua_task) {
            vTaskResume(g_lua_task);
        }
    }
    enter_instant(s->duration_us);
    playback_end("duration reached");
}

void playback_end(const char *reason)
{
    trace_line("end", "%s", reason);
    /* Not trace lines (they start with '#'): figures ci/crosscheck.sh compares with the
     * simulator's summary. */
    char report[96];
    int n = snprintf(report, sizeof report, "# lua_heap_peak_bytes=%lu lua_heap_limit_bytes=%lu\n",
                     (unsigned long)lua_heap_peak(), (unsigned long)g_scenario.lua_heap_bytes);
    board_write(report, (size_t)n);
    board_exit(0);
}
