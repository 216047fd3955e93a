/*
** The collector's debt of a state, for the simulator's allocator (sim/core/src/memory/mod.rs).
**
** Lua paces its collector in the bytes it passes to the allocator: host sizes here. The allocator
** knows each block's device size too, and corrects the debt by the difference on every call, so
** Lua's running total (`gettotalbytes`, which `collectgarbage("count")` reports) is device bytes
** and collections start where the device's do. The collector's algorithm is untouched.
*/
#include "lstate.h"

/* Adds `delta` bytes to the collector's debt (negative: takes them off). */
void luasim_gc_add_debt(lua_State *L, ptrdiff_t delta) {
  G(L)->GCdebt += (l_mem)delta;
}

/* Lua's running total of allocated bytes. */
size_t luasim_gc_total(lua_State *L) {
  return (size_t)gettotalbytes(G(L));
}
