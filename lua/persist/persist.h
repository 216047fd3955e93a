/*
** persist.h: the sleepy-task persister of luasim (Lua 5.4 only).
**
** Writes the graph reachable from suspended coroutines into a byte image and reads it back
** into a fresh state of the same firmware: stacks and CallInfo chains, closures with shared and
** open upvalues, tables with metatables and cycles, strings, numbers and booleans. Code and
** firmware objects are permanents, written as numbers, never copied. The format is described in
** docs/sleepy-tasks.md; it has no pointers or native sizes, so an image is the same bytes on the
** 64-bit simulator and the 32-bit device. One source, compiled into the simulator
** (sim/core/build.rs) and the firmware (firmware-shim/Makefile).
*/
#ifndef LUASIM_PERSIST_H
#define LUASIM_PERSIST_H

#include "lua.h"

/* permanents(): a context table for this state, made from `_G` before any script runs: the
** permanents by number, the upvalues of the permanent Lua functions (sys.lua's state), and the
** boot contents of `_G` and `package.loaded`. Call it once per boot and keep the result. */
int luasim_permanents(lua_State *L);

/* persist(ctx, chunks, sleeper) -> image: `chunks` is an array of the main functions of the
** scripts, in the order the image names them; `sleeper` the task that asked to sleep. Raises
** an error naming the path of a value it cannot persist. */
int luasim_persist(lua_State *L);

/* unpersist(ctx, chunks, image) -> sleeper: restores the tasks, sys.lua's state and the
** globals into this (fresh) state and returns the sleeping task. */
int luasim_unpersist(lua_State *L);

/* upvalue(f, name) -> value: the upvalue called `name` of Lua function `f` (nil if none). */
int luasim_upvalue(lua_State *L);

#endif
