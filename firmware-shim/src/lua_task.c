/* lua_task.c: the firmware's Lua task: builds the device Lua state and runs the scripts.
 *
 * Mirrors sim/core/src/runtime/state.rs and mod.rs step by step so both sides run the same code in
 * the same environment: a fresh state gets the standard libraries, the sandbox
 * (src/lua_sandbox.c), os.time, os.clock and os.date on the virtual clock (src/lua_clock.c),
 * math.randomseed(seed), the bindings, then lua/prelude.lua and lua/sys.lua (embedded
 * unchanged, src/embedded.S) and /scripts/main.lua then /scripts/rules.lua through the
 * prelude's run_script (src/lua_loader.c). When the scripts return, the task keeps taking
 * messages off the rtos queue: it runs firmware callbacks and discards the rest
 * (runtime/mod.rs drain_until_halt).
 *
 * Hot reload (runtime/mod.rs run): a reload message stops Lua with an error that a pcall cannot
 * keep (src/lua_watchdog.c), the state is closed (kept alive with naive_reload, so its
 * callbacks still run), and a fresh state of the next generation runs the scripts again. Each
 * state has its own heap account (src/lua_heap.c). */
#include <stdio.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lua_task.h"
#include "lualib.h"

extern const char luasim_sys_lua[], luasim_sys_lua_end[];
extern const char luasim_prelude_lua[], luasim_prelude_lua_end[];

#define MAIN_SCRIPT "/scripts/main.lua"
#define RULES_SCRIPT "/scripts/rules.lua"

static const char RUN_SCRIPT_KEY[] = "luasim.run_script";
const char LUA_CALL_PROTECTED_KEY[] = "luasim.call_protected";

/* ---- State ------------------------------------------------------------------------------- */

/* Runs in protected mode: everything up to and including sys.lua. */
static int build_state(lua_State *L)
{
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_DBLIBNAME, luaopen_debug, 1);
    luaL_requiref(L, LUA_LOADLIBNAME, luaopen_package, 1);
    lua_settop(L, 0);

    lua_sandbox_enclose(L); /* stack: traceback */

    lua_getglobal(L, "os");
    lua_pushcfunction(L, lua_os_time);
    lua_setfield(L, -2, "time");
    lua_pushcfunction(L, lua_os_clock);
    lua_setfield(L, -2, "clock");
    lua_pushcfunction(L, lua_utc_date); /* sandbox.rs stand_ins */
    lua_setfield(L, -2, "date");
    lua_pop(L, 1);

    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, (lua_Integer)g_scenario.seed);
    lua_call(L, 1, 0);
    lua_pop(L, 1);

    bindings_install_all(L);

    /* prelude(native_load, traceback, text_load) -> run_script, call_protected */
    if (lua_load_builtin(L, luasim_prelude_lua, luasim_prelude_lua_end, "@prelude.lua") != LUA_OK) {
        return lua_error(L);
    }
    lua_pushcfunction(L, lua_native_load);
    lua_pushvalue(L, 1);
    lua_pushcfunction(L, lua_text_load);
    lua_call(L, 3, 2);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_CALL_PROTECTED_KEY);
    lua_setfield(L, LUA_REGISTRYINDEX, RUN_SCRIPT_KEY);

    if (lua_load_builtin(L, luasim_sys_lua, luasim_sys_lua_end, "@sys.lua") != LUA_OK) {
        return lua_error(L);
    }
    lua_call(L, 0, 1);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "sys");
    lua_pop(L, 2);
    lua_setglobal(L, "sys");
    if (sleepy_enabled()) {
        sleepy_install(L);
    }
    /* The parser's garbage goes before the scripts run: same GC phase as the simulator. */
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}

/* sim/core/src/bindings/error_text.rs describe_error: the error at the top of the stack, without the boot
 * machinery's frames, as `ERROR <what><arg>: <message>`; the error value stays. */
void lua_trace_error(lua_State *L, const char *what, const char *arg, size_t arg_len)
{
    size_t len;
    const char *text = luaL_tolstring(L, -1, &len);
    /* The prelude's xpcall frame, named as the global or (once a script removed the global)
     * as the prelude's upvalue: the first of the two. */
    const char *cut = strstr(text, "\n\t[C]: in function 'xpcall'");
    const char *as_upvalue = strstr(text, "\n\t[C]: in upvalue 'xpcall'");
    if (as_upvalue && (!cut || as_upvalue < cut)) {
        cut = as_upvalue;
    }
    if (cut) {
        len = (size_t)(cut - text);
    }
    trace_begin("ERROR");
    trace_text(what, strlen(what));
    trace_text(arg, arg_len);
    trace_raw(": ");
    trace_text(text, len);
    trace_end();
    lua_pop(L, 1);
}

static void trace_script_error(const char *path, lua_State *L)
{
    if (!lua_halting()) {
        lua_trace_error(L, "script ", path, strlen(path));
    }
    lua_pop(L, 1); /* the error value */
}

/* ---- Generations ------------------------------------------------------------------------- */

/* The live Lua states by generation: the current one, and with naive_reload the older ones of
 * this boot, whose callbacks keep running. */
struct live_state {
    uint32_t generation;
    lua_State *L;
};

static struct live_state live[64];
static size_t live_count;

lua_State *lua_state_of(uint32_t generation)
{
    for (size_t i = 0; i < live_count; i++) {
        if (live[i].generation == generation) {
            return live[i].L;
        }
    }
    return NULL;
}

static lua_State *new_state(void)
{
    lua_State *L = lua_heap_new_state();
    lua_watchdog_arm(L); /* coroutines inherit the hook */
    lua_pushcfunction(L, build_state);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        shim_fatal("building the Lua state failed: %s", lua_tostring(L, -1));
    }
    return L;
}

static void run_scripts(lua_State *L)
{
    static const char *const scripts[] = { MAIN_SCRIPT, RULES_SCRIPT };
    bool woke = sleepy_wake(L);
    for (int i = 0; i < 2; i++) {
        if (woke || lua_halting() || !pack_find_file(&g_scenario, scripts[i])) {
            continue;
        }
        lua_getfield(L, LUA_REGISTRYINDEX, RUN_SCRIPT_KEY);
        lua_pushstring(L, scripts[i]);
        if (lua_pcall(L, 1, 2, 0) != LUA_OK) {
            trace_script_error(scripts[i], L);
            continue;
        }
        if (!lua_toboolean(L, -2)) {
            trace_script_error(scripts[i], L);
            lua_pop(L, 1); /* false */
        } else {
            lua_pop(L, 2);
        }
    }
}

/* runtime/mod.rs drain_until_halt: the scripts returned; run firmware callbacks, discard the
 * rest, until a reload. */
static void drain_until_reload(lua_State *L)
{
    struct shim_msg m;
    while (!lua_halting()) {
        sleepy_sleep_if_asked(L, false);
        lua_watchdog_feed();
        if (xQueueReceive(g_rtos_queue, &m, portMAX_DELAY) != pdPASS) {
            continue;
        }
        if (m.kind == SHIM_MSG_CALLBACK) {
            firmware_run_callback(&m);
        } else if (m.kind == SHIM_MSG_RELOAD) {
            lua_halt_for_message(&m);
        }
    }
}

/* World::reload: the next generation; the old state's rtos timers and their messages go. */
static void start_next_generation(void)
{
    uint32_t generation = playback_next_generation();
    rtos_forget_timers();
    lua_watchdog_feed();
    lua_halt_clear();
    trace_begin("reload");
    char head[40];
    snprintf(head, sizeof head, "generation=%lu (", (unsigned long)generation);
    trace_raw(head);
    trace_text(lua_halt_trigger(), strlen(lua_halt_trigger()));
    trace_raw(")");
    trace_end();
}

void lua_task(void *arg)
{
    (void)arg;
    for (;;) {
        lua_State *L = new_state();
        if (live_count == sizeof live / sizeof live[0]) {
            shim_fatal("too many live Lua states");
        }
        live[live_count++] = (struct live_state){ playback_generation(), L };
        run_scripts(L);
        drain_until_reload(L);
        if (!g_scenario.naive_reload) {
            live_count--;
            lua_heap_close_state(L);
        }
        start_next_generation();
    }
}
