/* lua_task.h: what the Lua task's own files share (the rest of the shim uses shim.h).
 *
 * The Lua task is split by responsibility, much as sim/core/src/runtime/ is: the task, its states
 * and generations (src/lua_task.c; state.rs, mod.rs), the per-state heap accounts
 * (src/lua_heap.c; heap.rs), the watchdog and the reload halt, one count hook
 * (src/lua_watchdog.c; watchdog.rs), loading scripts (src/lua_loader.c; loader.rs, state.rs
 * native_load), the sandbox (src/lua_sandbox.c; sandbox.rs) and os.time and os.clock on the
 * virtual clock (src/lua_clock.c; sim/core/src/bindings/os_clock.rs). */
#ifndef LUASIM_LUA_TASK_H
#define LUASIM_LUA_TASK_H

#include "shim.h"

/* A fresh Lua state with its own heap account (capped at the profile's lua_heap_bytes), and
 * its closing, which frees the account too. */
struct lua_State *lua_heap_new_state(void);
void lua_heap_close_state(struct lua_State *L);

/* Starts the watchdog's budget and sets its count hook on `L` (coroutines inherit it). */
void lua_watchdog_arm(struct lua_State *L);
/* A reload message taken off the queue while no Lua runs: the halt starts, with its trigger. */
void lua_halt_for_message(const struct shim_msg *m);
/* The next generation starts: no halt any more (the trigger text stays for its trace line). */
void lua_halt_clear(void);
const char *lua_halt_trigger(void);

/* Registry key of the prelude's call_protected(fn, ...) -> ok, error | results. */
extern const char LUA_CALL_PROTECTED_KEY[];

/* native_load(path [, env]) -> chunk | nil, message, missing: the prelude's loader. */
int lua_native_load(struct lua_State *L);
/* Loads an embedded text chunk (prelude.lua, sys.lua) like a script. */
int lua_load_builtin(struct lua_State *L, const char *start, const char *end, const char *name);
/* The same for bytecode (lua_dump's), binary mode only: a sleepy image's embedded scripts. */
int lua_load_bytecode(struct lua_State *L, const char *start, const char *end, const char *name);

/* Hides from scripts what reaches the host (the standard libraries already open, the stack
 * empty); leaves debug.traceback at stack index 1. */
void lua_sandbox_enclose(struct lua_State *L);
/* The stand-ins for Lua's load and os.date that the sandbox keeps out of reach. */
int lua_text_load(struct lua_State *L);
int lua_utc_date(struct lua_State *L);

/* os.time and os.clock on the virtual clock. */
int lua_os_time(struct lua_State *L);
int lua_os_clock(struct lua_State *L);

#endif
