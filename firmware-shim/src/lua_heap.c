/* lua_heap.c: the Lua heap in device bytes, one account per Lua state.
 *
 * The simulator counts each state's heap on its own (sim/core/src/memory/mod.rs) and refuses an
 * allocation beyond the profile's lua_heap_bytes, which Lua reports as "not enough memory";
 * this allocator does the same on the FreeRTOS heap, so scripts run out of memory at the same
 * point on both sides. It also keeps each state's use and peak (which the rtos module hands
 * to scripts) and the run's peak over every state (the firmware's report line, which the
 * cross-check compares with the simulator's). */
#include <string.h>

#include "lua.h"
#include "lua_task.h"

/* One state's heap, like the simulator's per-state accounts (memory/mod.rs): each state is
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

lua_State *lua_heap_new_state(void)
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
    return L;
}

void lua_heap_close_state(lua_State *L)
{
    struct heap_account *account = account_of(L);
    lua_close(L);
    vPortFree(account);
}
