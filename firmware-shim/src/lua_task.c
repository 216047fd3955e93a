/* lua_task.c: the firmware's Lua task: builds the device Lua state and runs the scripts.
 *
 * Mirrors sim/src/runtime/state.rs and sandbox.rs step by step so both sides run the same code
 * in the same environment: the same standard libraries minus everything that reaches the host
 * (package.loaded trimmed alike; raw load and os.date only in the registry, behind text_load
 * and utc_date), os.time, os.clock and os.date on the virtual clock, math.randomseed(seed),
 * the bindings, then lua/prelude.lua and
 * lua/sys.lua (embedded unchanged, src/embedded.S) and /scripts/main.lua then /scripts/rules.lua
 * through the prelude's run_script. Scripts are fed to the parser 256 bytes at a time. When the
 * scripts return, the task keeps taking messages off the rtos queue: it runs firmware callbacks
 * and discards the rest (runtime/mod.rs drain_until_halt).
 *
 * Hot reload (runtime/mod.rs run): a reload message stops Lua with an error that a pcall cannot
 * keep (the hook raises it again at every instruction), the state is closed (kept alive with
 * naive_reload, so its callbacks still run), and a fresh state of the next generation runs the
 * scripts again.
 *
 * The Lua heap is counted in device bytes by the allocator below, one account per state like
 * the simulator's, each capped at the profile's lua_heap_bytes ("not enough memory" beyond). The task watchdog counts VM instructions like
 * sim/src/runtime/watchdog.rs: a count hook every 1000 instructions charges them, blocking on
 * the rtos queue starts the budget again, and Lua running more than watchdog_ms x
 * lua_instructions_per_ms instructions ends the run with the simulator's error line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
#include "shim.h"

extern const char luasim_sys_lua[], luasim_sys_lua_end[];
extern const char luasim_prelude_lua[], luasim_prelude_lua_end[];

#define MAIN_SCRIPT "/scripts/main.lua"
#define RULES_SCRIPT "/scripts/rules.lua"
#define READER_PIECE 256u

static const char RUN_SCRIPT_KEY[] = "luasim.run_script";
static const char CALL_PROTECTED_KEY[] = "luasim.call_protected";

/* ---- Lua heap in device bytes ------------------------------------------------------------ */

/* One state's heap, like the simulator's per-state accounts (runtime/heap.rs): each state is
 * capped at lua_heap_bytes on its own, and the run's peak is the largest of any state. */
struct heap_account {
    size_t used;
    size_t peak;
};

static size_t run_peak_bytes;

static struct heap_account *account_of(lua_State *L)
{
    void *ud;
    (void)lua_getallocf(L, &ud);
    return ud;
}

size_t lua_heap_used(lua_State *L)
{
    return account_of(L)->used;
}

size_t lua_heap_state_peak(lua_State *L)
{
    return account_of(L)->peak;
}

size_t lua_heap_peak(void)
{
    return run_peak_bytes;
}

void lua_heap_keep_peak(size_t peak)
{
    run_peak_bytes = peak;
}

static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct heap_account *a = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        if (ptr) {
            vPortFree(ptr);
            a->used -= old;
        }
        return NULL;
    }
    if (a->used - old + nsize > g_scenario.lua_heap_bytes) {
        return NULL;
    }
    void *fresh = pvPortMalloc(nsize);
    if (!fresh) {
        return NULL;
    }
    if (ptr) {
        memcpy(fresh, ptr, old < nsize ? old : nsize);
        vPortFree(ptr);
    }
    a->used = a->used - old + nsize;
    if (a->used > a->peak) {
        a->peak = a->used;
    }
    if (a->used > run_peak_bytes) {
        run_peak_bytes = a->used;
    }
    return fresh;
}

/* ---- Task watchdog ----------------------------------------------------------------------- */

#define WATCHDOG_STRIDE 1000
static uint64_t busy_instructions;

void lua_watchdog_feed(void)
{
    busy_instructions = 0;
}

/* ---- Halting for a reload ----------------------------------------------------------------- */

static bool halting;
static char halt_trigger[160];

bool lua_halting(void)
{
    return halting;
}

static int raise_halt(lua_State *L)
{
    return luaL_error(L, "device halted: reload (%s)", halt_trigger);
}

static void watchdog_hook(lua_State *L, lua_Debug *ar);

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

/* ---- Script loading ---------------------------------------------------------------------- */

struct reader {
    const char *data;
    size_t len;
    size_t pos;
};

static const char *read_piece(lua_State *L, void *ud, size_t *size)
{
    (void)L;
    struct reader *r = ud;
    if (r->pos >= r->len) {
        *size = 0;
        return NULL;
    }
    size_t n = r->len - r->pos < READER_PIECE ? r->len - r->pos : READER_PIECE;
    const char *p = r->data + r->pos;
    r->pos += n;
    *size = n;
    return p;
}

/* sim/src/vfs.rs normalize: absolute device path, relative to /scripts, . and .. resolved. */
static void normalize(lua_State *L, const char *path)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *parts[64];
    size_t lens[64];
    size_t count = 0;
    const char *p = path;
    const char *prefix = path[0] == '/' ? "" : "/scripts/";
    char joined_buf[512];
    snprintf(joined_buf, sizeof joined_buf, "%s%s", prefix, path);
    p = joined_buf;
    while (*p) {
        const char *start = p;
        while (*p && *p != '/') p++;
        size_t n = (size_t)(p - start);
        if (n == 0 || (n == 1 && start[0] == '.')) {
        } else if (n == 2 && start[0] == '.' && start[1] == '.') {
            if (count) count--;
        } else if (count < 64) {
            parts[count] = start;
            lens[count] = n;
            count++;
        }
        if (*p) p++;
    }
    luaL_addchar(&b, '/');
    for (size_t i = 0; i < count; i++) {
        if (i) luaL_addchar(&b, '/');
        luaL_addlstring(&b, parts[i], lens[i]);
    }
    luaL_pushresult(&b);
}

#define BINARY_REFUSAL "attempt to load a binary chunk"

/* native_load(path [, env]) -> chunk | nil, message, missing */
static int native_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    normalize(L, path);
    const char *device_path = lua_tostring(L, -1);
    const struct pack_file *f = pack_find_file(&g_scenario, device_path);
    if (!f) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot open %s (no such file on the device)", path);
        lua_pushboolean(L, 1);
        return 3;
    }
    trace_line("script", "%s (%lu bytes)", device_path, (unsigned long)f->len);
    struct reader r = { (const char *)f->data, f->len, 0 };
    lua_pushfstring(L, "@%s", device_path);
    int status = lua_load(L, read_piece, &r, lua_tostring(L, -1), "t");
    if (status != LUA_OK) {
        /* state.rs native_load: Lua's binary-chunk refusal does not name the file. */
        if (strncmp(lua_tostring(L, -1), BINARY_REFUSAL, strlen(BINARY_REFUSAL)) == 0) {
            lua_pushfstring(L, "%s: %s", device_path, lua_tostring(L, -1));
            lua_remove(L, -2);
        }
        lua_pushnil(L);
        lua_insert(L, -2);
        lua_pushboolean(L, 0);
        return 3;
    }
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushvalue(L, 2);
        if (!lua_setupvalue(L, -2, 1)) {
            lua_pop(L, 1);
        }
    }
    return 1;
}

static int load_builtin(lua_State *L, const char *start, const char *end, const char *name)
{
    struct reader r = { start, (size_t)(end - start), 0 };
    return lua_load(L, read_piece, &r, name, "t");
}

/* ---- Virtual clock for os.time (plus clock_jump steps) / os.clock -------------------------- */

static int64_t days_from_civil(int64_t year, int64_t month, int64_t day)
{
    int64_t m0 = month - 1;
    int64_t carry = m0 >= 0 ? m0 / 12 : -((-m0 + 11) / 12);
    year += carry;
    month = m0 - carry * 12 + 1;
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = y >= 0 ? y / 400 : -((-y + 399) / 400);
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t date_field(lua_State *L, const char *name, int64_t dflt, int required)
{
    lua_getfield(L, 1, name);
    int isnum = 0;
    int64_t v = lua_tointegerx(L, -1, &isnum);
    int absent = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (absent) {
        if (required) {
            luaL_error(L, "field '%s' missing in date table", name);
        }
        return dflt;
    }
    if (!isnum) {
        luaL_error(L, "field '%s' is not an integer", name);
    }
    return v;
}

static int os_time(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_pushinteger(L, (lua_Integer)firmware_wall_clock_s());
        return 1;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    int64_t y = date_field(L, "year", 0, 1), m = date_field(L, "month", 0, 1), d = date_field(L, "day", 0, 1);
    int64_t h = date_field(L, "hour", 12, 0), mi = date_field(L, "min", 0, 0), s = date_field(L, "sec", 0, 0);
    lua_pushinteger(L, days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s);
    return 1;
}

static int os_clock(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)playback_ticks_since_boot() / (lua_Number)g_scenario.tick_hz);
    return 1;
}

/* ---- State --------------------------------------------------------------------------------- */

/* ---- Sandbox (sim/src/runtime/sandbox.rs, docs/security.md) ------------------------------- */

/* Registry slots of Lua's own load and os.date: only text_load and utc_date call them, so no
 * function a script holds (nor any of its upvalues) leads to them. */
static const char RAW_LOAD_KEY[] = "luasim.raw_load";
static const char RAW_DATE_KEY[] = "luasim.raw_date";

/* sandbox.rs text_load(chunk [, name [, env]]): load(chunk, name, "t" [, env]); the mode is
 * always text, whether chunk is a string or a reader function. */
static int text_load(lua_State *L)
{
    int with_env = lua_gettop(L) >= 3;
    lua_settop(L, with_env ? 3 : 2);
    lua_getfield(L, LUA_REGISTRYINDEX, RAW_LOAD_KEY);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushstring(L, "t");
    if (with_env) {
        lua_pushvalue(L, 3);
    }
    lua_call(L, with_env ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - (with_env ? 3 : 2);
}

/* sandbox.rs utc_date: os.date in UTC ('!' added) on the virtual clock. */
static int utc_date(lua_State *L)
{
    lua_settop(L, 2);
    lua_getfield(L, LUA_REGISTRYINDEX, RAW_DATE_KEY);
    if (!lua_toboolean(L, 1)) {
        lua_pushstring(L, "!%c");
    } else {
        lua_pushvalue(L, 1);
        int t = lua_type(L, -1);
        if ((t == LUA_TSTRING || t == LUA_TNUMBER) && lua_tostring(L, -1)[0] != '!') {
            lua_pushstring(L, "!");
            lua_rotate(L, -2, 1);
            lua_concat(L, 2);
        }
    }
    if (!lua_toboolean(L, 2)) {
        lua_pushinteger(L, (lua_Integer)firmware_wall_clock_s());
    } else {
        lua_pushvalue(L, 2);
    }
    lua_call(L, 2, LUA_MULTRET);
    return lua_gettop(L) - 2;
}

/* sandbox.rs align_loaded: package.loaded[name] is the global name for every library (nil for
 * one removed), so require("debug") gives the trimmed debug. */
static void align_loaded(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_getfield(L, -1, "package");
    lua_getfield(L, -1, "loaded"); /* G, package, loaded */
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);             /* G, package, loaded, key */
        lua_pushvalue(L, -1);
        lua_pushvalue(L, -1);
        lua_rawget(L, -6);         /* ..., key, key, G[key] */
        lua_rawset(L, -4);         /* loaded[key] = G[key] */
    }
    lua_pop(L, 3);
}

/* What sim/src/runtime/sandbox.rs REMOVED lists (contract.h). */
static const char *const REMOVED[] = { SANDBOX_REMOVED };

static void remove_all(lua_State *L)
{
    for (size_t i = 0; i < sizeof REMOVED / sizeof REMOVED[0]; i++) {
        const char *dot = strchr(REMOVED[i], '.');
        if (!dot) {
            lua_pushnil(L);
            lua_setglobal(L, REMOVED[i]);
        } else {
            char lib[16];
            size_t n = (size_t)(dot - REMOVED[i]);
            memcpy(lib, REMOVED[i], n);
            lib[n] = 0;
            lua_getglobal(L, lib);
            lua_pushnil(L);
            lua_setfield(L, -2, dot + 1);
            lua_pop(L, 1);
        }
    }
}

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

    /* sandbox.rs enclose */
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback"); /* 2: traceback */
    lua_remove(L, 1);                 /* stack: traceback */
    lua_getglobal(L, "load");
    lua_setfield(L, LUA_REGISTRYINDEX, RAW_LOAD_KEY);
    lua_getglobal(L, "os");
    lua_getfield(L, -1, "date");
    lua_setfield(L, LUA_REGISTRYINDEX, RAW_DATE_KEY);
    lua_pop(L, 1);
    remove_all(L);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "traceback");
    lua_setglobal(L, "debug");
    align_loaded(L);

    lua_getglobal(L, "os");
    lua_pushcfunction(L, os_time);
    lua_setfield(L, -2, "time");
    lua_pushcfunction(L, os_clock);
    lua_setfield(L, -2, "clock");
    lua_pushcfunction(L, utc_date); /* sandbox.rs stand_ins */
    lua_setfield(L, -2, "date");
    lua_pop(L, 1);

    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, (lua_Integer)g_scenario.seed);
    lua_call(L, 1, 0);
    lua_pop(L, 1);

    bindings_install_all(L);

    /* prelude(native_load, traceback, text_load) -> run_script, call_protected */
    if (load_builtin(L, luasim_prelude_lua, luasim_prelude_lua_end, "@prelude.lua") != LUA_OK) {
        return lua_error(L);
    }
    lua_pushcfunction(L, native_load);
    lua_pushvalue(L, 1);
    lua_pushcfunction(L, text_load);
    lua_call(L, 3, 2);
    lua_setfield(L, LUA_REGISTRYINDEX, CALL_PROTECTED_KEY);
    lua_setfield(L, LUA_REGISTRYINDEX, RUN_SCRIPT_KEY);

    if (load_builtin(L, luasim_sys_lua, luasim_sys_lua_end, "@sys.lua") != LUA_OK) {
        return lua_error(L);
    }
    lua_call(L, 0, 1);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "loaded");
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "sys");
    lua_pop(L, 2);
    lua_setglobal(L, "sys");
    /* The parser's garbage goes before the scripts run: same GC phase as the simulator. */
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}

/* sim/src/runtime/mod.rs describe_error: the error at the top of the stack, without the boot
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
    if (!halting) {
        lua_trace_error(L, "script ", path, strlen(path));
    }
    lua_pop(L, 1); /* the error value */
}

/* ---- Generations -------------------------------------------------------------------------- */

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
    struct heap_account *account = pvPortMalloc(sizeof *account);
    if (!account) {
        shim_fatal("cannot create the Lua state");
    }
    account->used = account->peak = 0;
    lua_State *L = lua_newstate(lua_alloc, account);
    if (!L) {
        shim_fatal("cannot create the Lua state");
    }
    lua_watchdog_feed();
    lua_sethook(L, watchdog_hook, LUA_MASKCOUNT, WATCHDOG_STRIDE); /* coroutines inherit it */
    lua_pushcfunction(L, build_state);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        shim_fatal("building the Lua state failed: %s", lua_tostring(L, -1));
    }
    return L;
}

static void close_state(lua_State *L)
{
    struct heap_account *account = account_of(L);
    lua_close(L);
    vPortFree(account);
}

static void run_scripts(lua_State *L)
{
    static const char *const scripts[] = { MAIN_SCRIPT, RULES_SCRIPT };
    for (int i = 0; i < 2; i++) {
        if (halting || !pack_find_file(&g_scenario, scripts[i])) {
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
static void drain_until_reload(void)
{
    struct shim_msg m;
    while (!halting) {
        lua_watchdog_feed();
        if (xQueueReceive(g_rtos_queue, &m, portMAX_DELAY) != pdPASS) {
            continue;
        }
        if (m.kind == SHIM_MSG_CALLBACK) {
            firmware_run_callback(&m);
        } else if (m.kind == SHIM_MSG_RELOAD) {
            halting = true;
            firmware_reload_trigger(&m, halt_trigger, sizeof halt_trigger);
        }
    }
}

/* World::reload: the next generation; the old state's rtos timers and their messages go. */
static void start_next_generation(void)
{
    uint32_t generation = playback_next_generation();
    rtos_forget_timers();
    lua_watchdog_feed();
    halting = false;
    trace_begin("reload");
    char head[40];
    snprintf(head, sizeof head, "generation=%lu (", (unsigned long)generation);
    trace_raw(head);
    trace_text(halt_trigger, strlen(halt_trigger));
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
        drain_until_reload();
        if (!g_scenario.naive_reload) {
            live_count--;
            close_state(L);
        }
        start_next_generation();
    }
}
