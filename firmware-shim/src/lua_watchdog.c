/* lua_watchdog.c: the two ways Lua is stopped from outside, through one count hook.
 *
 * The task watchdog counts VM instructions like sim/core/src/device/watchdog.rs: the hook fires
 * every 1000 instructions and charges them, blocking on the rtos queue starts the budget
 * again (lua_watchdog_feed), and Lua running more than watchdog_ms x lua_instructions_per_ms
 * instructions ends the run with the simulator's error line. A hot reload halts Lua like the
 * simulator's halting() (runtime/mod.rs): an error unwinds it, and the hook then fires at
 * every instruction and raises the error again, so a pcall cannot keep it. */
#include <stdio.h>

#include "lauxlib.h"
#include "lua.h"
#include "lua_task.h"

#define WATCHDOG_STRIDE 1000

static uint64_t busy_instructions; /* since Lua last blocked on the queue */
static bool halting;
static char halt_trigger[160];

/* ---- The count hook ---------------------------------------------------------------------- */

static int raise_halt(lua_State *L)
{
    return luaL_error(L, "device halted: reload (%s)", halt_trigger);
}

/* Every WATCHDOG_STRIDE instructions, or at every one while halting. */
static void watchdog_hook(lua_State *L, lua_Debug *ar)
{
    const struct scenario *s = &g_scenario;
    if (halting) {
        raise_halt(L);
    }
    uint64_t budget = s->watchdog_ms * s->instructions_per_ms;
    busy_instructions += WATCHDOG_STRIDE;
    if (budget == 0 || busy_instructions <= budget) {
        return;
    }
    lua_getinfo(L, "Sl", ar);
    char line[24];
    if (ar->currentline >= 0) {
        snprintf(line, sizeof line, "%d", ar->currentline);
    } else {
        snprintf(line, sizeof line, "?");
    }
    trace_line("ERROR", "watchdog: Lua ran for more than %llu ms of CPU time (~%llu instructions) without yielding, at %s:%s",
               (unsigned long long)s->watchdog_ms, (unsigned long long)budget, ar->short_src, line);
    playback_end("watchdog");
}

/* ---- Task watchdog ----------------------------------------------------------------------- */

void lua_watchdog_feed(void)
{
    busy_instructions = 0;
}

void lua_watchdog_arm(lua_State *L)
{
    lua_watchdog_feed();
    lua_sethook(L, watchdog_hook, LUA_MASKCOUNT, WATCHDOG_STRIDE);
}

/* ---- Halting for a reload ---------------------------------------------------------------- */

bool lua_halting(void)
{
    return halting;
}

/* Like the simulator's halting(): the error unwinds Lua, and the hook now fires at every
 * instruction so a pcall that catches the error is stopped again at once. */
void lua_request_reload(lua_State *L, const char *trigger)
{
    if (!halting) {
        halting = true;
        snprintf(halt_trigger, sizeof halt_trigger, "%s", trigger);
    }
    lua_sethook(L, watchdog_hook, LUA_MASKCOUNT, 1);
    raise_halt(L);
}

void lua_halt_for_message(const struct shim_msg *m)
{
    halting = true;
    firmware_reload_trigger(m, halt_trigger, sizeof halt_trigger);
}

void lua_halt_clear(void)
{
    halting = false;
}

const char *lua_halt_trigger(void)
{
    return halt_trigger;
}
