/*
** Lua's registry as the simulator's allocator sees it (sim/core/src/memory/registry.rs).
**
** mlua keeps its own entries in the registry under light userdata keys (set by lua_rawsetp), and
** so does the simulator for what only it needs: the simulator's registry grows a larger hash
** part than the device's, which has none of them. The allocator books the hash part at the size
** the device's would have, and needs to know where it is and which keys the device has too.
*/
#include "lstate.h"
#include "ltable.h"

/* The registry's hash part: NULL while it is Lua's static dummy node. */
void *luasim_registry_nodes(lua_State *L) {
  Table *t = hvalue(&G(L)->l_registry);
  return isdummy(t) ? NULL : (void *)t->node;
}

/* Keys in the hash part that the device's registry has too: all but light userdata. */
unsigned luasim_registry_device_keys(lua_State *L) {
  Table *t = hvalue(&G(L)->l_registry);
  unsigned keys = 0;
  if (isdummy(t)) {
    return 0;
  }
  for (int i = 0; i < sizenode(t); i++) {
    Node *n = gnode(t, i);
    if (!isempty(gval(n)) && keytt(n) != LUA_VLIGHTUSERDATA) {
      keys++;
    }
  }
  return keys;
}
