/* playback.c: plays a packed scenario on the real FreeRTOS kernel in virtual time.
 *
 * The simulator runs Lua in zero virtual time and jumps from deadline to deadline
 * (sim/core/src/world/mod.rs). To compare traces byte for byte, the firmware does the same on the
 * real kernel: there is no tick interrupt; this task, the lowest-priority one, runs only when
 * every other task is blocked, asks the kernel when the next blocked task wakes, and moves the
 * tick count exactly there (or to the next scenario step, or the end of the run). At each
 * instant it does what World::run_until does: the ticks are caught up with the Lua task held,
 * so the timer service task (higher priority) posts every expiry of that tick first; then the
 * Node.setTimeout expiries due (src/firmware.c) and the steps due at that instant are posted;
 * only then may the Lua task run, and it runs until it blocks again, taking no virtual time. Trace lines carry the instant's time, so events caused
 * by Lua print the time of the event that woke it, exactly like the simulator.
 *
 * A reboot is a real machine reset: the clock and the position in the scenario survive in the
 * board's retained memory, everything else (Lua state, queue, timers, tick count) starts over,
 * as in World::boot. Deep sleep is the same reset, after the sleep has been played here the
 * way sim/core/src/world/power.rs plays it: steps that arrive meanwhile are missed (traced; a broker
 * outage is played, the broker being outside the device), a gpio step wakes the device early,
 * brownouts and power losses clear the sleep region (which also lives in retained memory,
 * src/sleep_region.c). Light sleep blocks the Lua task while this
 * task goes on playing time, until the sleep ends or a gpio step wakes it. */
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "shim.h"
#include "timers.h"

static uint64_t now_us;
static uint64_t boot_origin_us; /* virtual time of this boot's reset */
static uint64_t ticks_since_boot;
static size_t next_step;
static uint32_t generation = 1;
TaskHandle_t g_lua_task;

/* Why this boot runs (sim WakeCause; Node.wakeCause() and the boot line). */
enum wake { WAKE_POWER_ON, WAKE_TIMER, WAKE_GPIO, WAKE_RESET, WAKE_BROWNOUT, WAKE_RELOAD };
static const char *const WAKE_NAMES[] = { "power-on", "timer", "gpio", "reset", "brownout", "reload" };
static enum wake wake_cause = WAKE_POWER_ON;
static char boot_cause[64] = "power-on";

/* A power loss armed by `power_loss: {during_write: true}` for the next sleep-region write. */
static bool tear_armed;
static uint64_t tear_off_us;

/* Deep sleep or power off: trace lines show the clock's ticks, the kernel's stand still. */
static bool asleep;

/* The write, config, gnss and clock_jump steps missed while asleep or off, by their rank among
 * the scenario's steps of those kinds: the simulator never applies them, so the replay after a
 * reset skips them. */
#define MISSED_RANKS 4096u
static uint8_t missed[MISSED_RANKS / 8];

/* Light sleep: the Lua task waits until the playback clears `light_sleeping`. */
static volatile bool light_sleeping;
static uint64_t light_until; /* UINT64_MAX: only a gpio step wakes it before the end */
static enum wake light_cause;

/* What survives a reset (board_retained): the virtual clock, the playback's position, why the
 * next boot happens, and an armed power loss. The sleep region follows it. */
#define RETAINED_MAGIC 0x4c525354u /* "LRST" */
struct retained {
    uint32_t magic;
    uint32_t scenario_crc; /* a reset belongs to the scenario that asked for it */
    uint64_t now_us;
    uint32_t generation;
    uint32_t next_step;
    uint32_t heap_peak; /* Lua heap peak so far, device bytes */
    uint64_t next_registration; /* firmware registration ids go on counting */
    uint32_t wake;
    uint32_t tear_armed;
    uint64_t tear_off_us;
    char detail[48]; /* the reboot's cause, after the wake cause on the boot line */
    uint8_t missed[MISSED_RANKS / 8];
};
_Static_assert(sizeof(struct retained) <= RETAINED_RECORD_BYTES, "retained record fits its slot");

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
    /* World::reload: Node.wakeCause() says the scripts were reloaded, not booted. */
    wake_cause = WAKE_RELOAD;
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

/* sim/core/src/world/clock.rs tick_time: the µs at which tick `ticks` (since this boot) begins. */
static uint64_t tick_start_us(uint64_t ticks)
{
    uint32_t hz = g_scenario.tick_hz;
    uint64_t q = ticks / hz, r = ticks % hz;
    return boot_origin_us + q * 1000000u + (r * 1000000u + hz - 1) / hz;
}

uint64_t playback_tick_time(uint64_t ticks)
{
    return tick_start_us(ticks);
}

bool playback_woke_from_sleep(void)
{
    return wake_cause == WAKE_TIMER || wake_cause == WAKE_GPIO;
}

/* sim/core/src/world/clock.rs ticks_since_boot: whole ticks of this boot elapsed at `us`. */
static uint64_t ticks_at(uint64_t us)
{
    uint32_t hz = g_scenario.tick_hz;
    us -= boot_origin_us;
    uint64_t q = us / 1000000u, r = us % 1000000u;
    return q * hz + (r * hz) / 1000000u;
}

static uint64_t saturating_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* now + ms, saturating, never past the end of the run (sim deep_sleep/light_sleep). */
static uint64_t after_ms(uint64_t ms)
{
    uint64_t us = ms > UINT64_MAX / 1000u ? UINT64_MAX : ms * 1000u;
    uint64_t until = saturating_add(now_us, us);
    return until < g_scenario.duration_us ? until : g_scenario.duration_us;
}

uint32_t playback_trace_tick(void)
{
    return asleep ? (uint32_t)(g_scenario.start_tick + ticks_at(now_us)) : xTaskGetTickCount();
}

/* Resets the machine to boot again for `wake` (`detail`: the reboot's cause, or ""), keeping
 * the clock and the playback's position. No more Lua runs. */
static void __attribute__((noreturn)) reset_to(enum wake wake, const char *detail)
{
    size_t size;
    struct retained *r = board_retained(&size);
    vTaskSuspendAll();
    r->magic = RETAINED_MAGIC;
    r->scenario_crc = g_scenario.crc;
    r->now_us = now_us;
    r->generation = generation;
    r->next_step = (uint32_t)next_step;
    r->heap_peak = (uint32_t)lua_heap_peak();
    r->next_registration = firmware_next_id();
    r->wake = wake;
    r->tear_armed = tear_armed;
    r->tear_off_us = tear_off_us;
    snprintf(r->detail, sizeof r->detail, "%s", detail);
    memcpy(r->missed, missed, sizeof missed);
    board_reset();
}

/* rtos.reboot() / Node.restart(): called from the Lua task. */
void playback_reboot(const char *cause)
{
    reset_to(WAKE_RESET, cause);
}

/* Picks up where a reset left off; a power-on finds no (or another scenario's) record, and
 * an empty sleep region. */
static void restore_after_reset(void)
{
    size_t size;
    struct retained *r = board_retained(&size);
    if (r->magic == RETAINED_MAGIC && r->scenario_crc == g_scenario.crc) {
        now_us = boot_origin_us = r->now_us;
        generation = r->generation + 1;
        next_step = r->next_step;
        lua_heap_keep_peak(r->heap_peak);
        memcpy(missed, r->missed, sizeof missed);
        firmware_keep_next_id(r->next_registration);
        firmware_replay(&g_scenario, next_step);
        wake_cause = (enum wake)r->wake;
        tear_armed = r->tear_armed != 0;
        tear_off_us = r->tear_off_us;
        if (r->detail[0]) {
            snprintf(boot_cause, sizeof boot_cause, "%s (%s)", WAKE_NAMES[wake_cause], r->detail);
        } else {
            snprintf(boot_cause, sizeof boot_cause, "%s", WAKE_NAMES[wake_cause]);
        }
    } else {
        region_wipe();
    }
    r->magic = 0;
}

/* ---- Sleep and power --------------------------------------------------------------------- */

const char *playback_wake_cause(void)
{
    return WAKE_NAMES[wake_cause];
}

static bool replayed(const struct pack_step *st)
{
    return st->kind == PACK_STEP_WRITE || st->kind == PACK_STEP_CONFIG || st->kind == PACK_STEP_GNSS ||
           st->kind == PACK_STEP_CLOCK_JUMP;
}

bool playback_missed(size_t rank)
{
    return rank < MISSED_RANKS && (missed[rank / 8] >> (rank % 8) & 1u);
}

/* Traces a step the device misses (`missed while asleep: `, `missed while off: `) and, for a
 * write, config, gnss or clock_jump step, keeps it from the replay. */
static void miss(const struct pack_step *st, const char *why)
{
    trace_line_escaped("inject", why, st->text, st->text_len, NULL);
    if (!replayed(st)) {
        return;
    }
    size_t rank = 0;
    for (const struct pack_step *p = g_scenario.steps; p < st; p++) {
        rank += replayed(p);
    }
    if (rank >= MISSED_RANKS) {
        shim_fatal("more than %u write, config, gnss and clock_jump steps", MISSED_RANKS);
    }
    missed[rank / 8] |= (uint8_t)(1u << (rank % 8));
}

/* The power is off for `off_us` (sim World::power_off): every step meanwhile is missed, then
 * the device powers on, unless the run ends first. */
static void __attribute__((noreturn)) power_off(uint64_t off_us)
{
    const struct scenario *s = &g_scenario;
    asleep = true;
    uint64_t back = saturating_add(now_us, off_us);
    back = back < s->duration_us ? back : s->duration_us;
    while (next_step < s->step_count && s->steps[next_step].at_us <= back) {
        const struct pack_step *st = &s->steps[next_step++];
        now_us = st->at_us;
        if (pack_step_reaction(st->kind, PACK_PHASE_OFF) == PACK_REACT_OUTSIDE) {
            firmware_apply_step(st); /* the broker's outage happens outside the device */
        } else {
            miss(st, "missed while off: "); /* nothing else reaches a chip without power */
        }
    }
    now_us = back;
    if (back >= s->duration_us) {
        playback_end("duration reached");
    }
    reset_to(WAKE_POWER_ON, "");
}

static void __attribute__((noreturn)) brownout(void)
{
    region_wipe();
    reset_to(WAKE_BROWNOUT, "");
}

static void arm_tear(const struct pack_step *st)
{
    tear_armed = true;
    tear_off_us = st->off_us;
}

bool playback_tear_armed(void)
{
    return tear_armed;
}

void playback_power_loss_during_write(void)
{
    tear_armed = false;
    trace_line("inject", "power loss during a sleep-region write");
    power_off(tear_off_us); /* the torn image stays */
}

/* A step while the device is awake (sim World::apply for these kinds). */
static void apply_step(const struct pack_step *st)
{
    switch (st->kind) {
    case PACK_STEP_GPIO:
        trace_line_escaped("inject", NULL, st->text, st->text_len, NULL);
        firmware_gpio_event(st);
        break;
    case PACK_STEP_BROWNOUT:
        trace_line_escaped("inject", NULL, st->text, st->text_len, NULL);
        brownout();
    case PACK_STEP_POWER_LOSS:
        trace_line_escaped("inject", NULL, st->text, st->text_len, NULL);
        if (st->during_write) {
            arm_tear(st);
        } else {
            region_wipe();
            power_off(st->off_us);
        }
        break;
    case PACK_STEP_GNSS:
    case PACK_STEP_CLOCK_JUMP:
    case PACK_STEP_MQTT_DISCONNECT:
        firmware_apply_step(st);
        break;
    case PACK_STEP_WATCHDOG_RESET:
        trace_line_escaped("inject", NULL, st->text, st->text_len, NULL);
        reset_to(WAKE_RESET, "task watchdog");
    default:
        rtos_post_step(st);
        break;
    }
}

/* A step while in deep sleep, as the contract's table says (sim World::step_while_asleep);
 * returns only if the sleep goes on. */
static void step_while_asleep(const struct pack_step *st)
{
    switch (pack_step_reaction(st->kind, PACK_PHASE_DEEP_SLEEP)) {
    case PACK_REACT_WAKES:
        trace_line_escaped("inject", NULL, st->text, st->text_len, " (wakes the device)");
        reset_to(WAKE_GPIO, "");
    case PACK_REACT_CUTS_POWER:
        if (st->kind == PACK_STEP_POWER_LOSS && st->during_write) {
            trace_line_escaped("inject", NULL, st->text, st->text_len, NULL);
            arm_tear(st);
            return;
        }
        if (st->kind == PACK_STEP_BROWNOUT) {
            trace_line("inject", "brownout");
            brownout();
        }
        trace_line("inject", "power loss");
        region_wipe();
        power_off(st->off_us);
    case PACK_REACT_ENTERS:
    case PACK_REACT_OUTSIDE:
        apply_step(st); /* the broker's outage happens outside the device, asleep or not */
        return;
    case PACK_REACT_MISSED:
    default:
        miss(st, "missed while asleep: ");
        return;
    }
}

/* Node.deepSleep(ms), from the Lua task: main state is abandoned; the sleep is played here
 * and ends in a reset (or the end of the run). */
void playback_deep_sleep(int64_t ms)
{
    const struct scenario *s = &g_scenario;
    if (ms < 0) {
        trace_line("sleep", "deep until woken");
    } else {
        trace_line("sleep", "deep %llu ms", (unsigned long long)ms);
    }
    asleep = true;
    uint64_t until = ms < 0 ? s->duration_us : after_ms((uint64_t)ms);
    while (next_step < s->step_count && s->steps[next_step].at_us <= until) {
        const struct pack_step *st = &s->steps[next_step++];
        now_us = st->at_us;
        step_while_asleep(st);
    }
    now_us = until;
    if (until >= s->duration_us) {
        playback_end("duration reached");
    }
    reset_to(WAKE_TIMER, "");
}

/* Node.lightSleep(ms), from the Lua task: blocks while the playback plays time on. */
const char *playback_light_sleep(int64_t ms)
{
    trace_line("sleep", "light %llu ms", (unsigned long long)ms);
    uint64_t until = after_ms((uint64_t)ms);
    light_until = until >= g_scenario.duration_us ? UINT64_MAX : until;
    light_cause = WAKE_TIMER;
    light_sleeping = true;
    while (light_sleeping) {
        (void)ulTaskNotifyTake(pdTRUE, portMAX_DELAY); /* the playback's vTaskResume ends it */
    }
    return WAKE_NAMES[light_cause];
}

/* Whether a step due at instant t wakes the device from light sleep (a gpio edge, by the
 * contract's table; sim take_due_wake). */
static bool light_sleep_gpio_due(uint64_t t)
{
    const struct scenario *s = &g_scenario;
    const struct pack_step *st = next_step < s->step_count ? &s->steps[next_step] : NULL;
    return light_sleeping && st && pack_step_reaction(st->kind, PACK_PHASE_LIGHT_SLEEP) == PACK_REACT_WAKES &&
           st->at_us <= t;
}

static void light_sleep_gpio_wake(void)
{
    const struct pack_step *st = &g_scenario.steps[next_step++];
    trace_line_escaped("inject", NULL, st->text, st->text_len, " (wakes the device)");
    light_cause = WAKE_GPIO;
    light_sleeping = false;
}

/* The timer service task, held while Lua runs after a gpio wake from light sleep: the
 * simulator lets Lua run before the timers due at that instant fire, which they do when Lua
 * next waits. Timer commands Lua sends meanwhile (up to configTIMER_QUEUE_LENGTH) are
 * processed first on release, so a timer stopped or re-armed after the wake does not fire. */
static TaskHandle_t held_timer_task;

static void hold_timers(void)
{
    held_timer_task = xTimerGetTimerDaemonTaskHandle();
    vTaskSuspend(held_timer_task);
}

/* Within an instant (Lua held): the timer service task runs at once and fires what is due. */
static void release_timers(void)
{
    TaskHandle_t task = held_timer_task;
    held_timer_task = NULL;
    vTaskResume(task);
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
    region_init();
    restore_after_reset();
    region_boot_check();
    trace_line("boot", "profile=%s tick_hz=%lu cause=%s generation=%lu region=%s %lu bytes", s->profile,
               (unsigned long)s->tick_hz, boot_cause, (unsigned long)generation, region_status_name(),
               (unsigned long)region_used());
    if ((s->sleep_flags & PACK_SLEEP_FLAG_VM_IN_REGION) && generation == 1) {
        trace_line("ERROR", "firmware: vm_in_sleep_region is not supported by the firmware");
    }
    bool booted = false;
    for (;;) {
        uint64_t wake = shim_ticks_until_next_wake();
        uint64_t t_tick = wake == UINT64_MAX ? UINT64_MAX : tick_start_us(ticks_since_boot + wake);
        uint64_t t_step = next_step < s->step_count ? s->steps[next_step].at_us : UINT64_MAX;
        uint64_t t_boot = booted ? UINT64_MAX : boot_origin_us + s->boot_us;
        uint64_t t_timeout = firmware_next_timeout();
        uint64_t t_light = light_sleeping ? light_until : UINT64_MAX;
        uint64_t t = t_tick < t_step ? t_tick : t_step;
        t = t < t_timeout ? t : t_timeout;
        t = t < t_boot ? t : t_boot;
        t = t < t_light ? t : t_light;
        if (held_timer_task) {
            t = now_us; /* the instant of a gpio wake goes on once Lua waits */
        }
        if (t > s->duration_us) {
            break;
        }
        bool gpio_wake = light_sleep_gpio_due(t);
        if (gpio_wake && !held_timer_task) {
            hold_timers();
        }
        enter_instant(t > now_us ? t : now_us);
        if (held_timer_task && !gpio_wake) {
            release_timers();
        }
        if (gpio_wake) {
            light_sleep_gpio_wake();
        } else {
            firmware_fire_due_timeouts(t);
            while (next_step < s->step_count && s->steps[next_step].at_us <= t) {
                apply_step(&s->steps[next_step++]);
            }
            if (light_sleeping && t >= light_until) {
                light_sleeping = false;
            }
        }
        if (!booted && t >= boot_origin_us + s->boot_us) {
            booted = true;
            /* Higher priority than this task: runs at once, until it blocks. */
            if (xTaskCreate(lua_task, "lua", LUA_TASK_STACK_WORDS, NULL, LUA_TASK_PRIORITY, &g_lua_task) != pdPASS) {
                shim_fatal("cannot create the Lua task");
            }
        } else if (g_lua_task && !light_sleeping) {
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
