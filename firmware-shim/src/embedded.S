/* embedded.S: lua/sys.lua, lua/prelude.lua and lua/sleepy.lua embedded byte for byte, at build time.
 *
 * .incbin reads the repository's files directly (the Makefile passes -I for lua/), so nothing
 * generated is committed and the firmware always runs the very files the simulator embeds with
 * include_str!. Each blob gets start and end symbols for src/lua_task.c. */
    .section .rodata.luasim_lua, "a"
    .global luasim_sys_lua
    .global luasim_sys_lua_end
luasim_sys_lua:
    .incbin "sys.lua"
luasim_sys_lua_end:
    .global luasim_prelude_lua
    .global luasim_prelude_lua_end
luasim_prelude_lua:
    .incbin "prelude.lua"
luasim_prelude_lua_end:
    .global luasim_sleepy_lua
    .global luasim_sleepy_lua_end
luasim_sleepy_lua:
    .incbin "sleepy.lua"
luasim_sleepy_lua_end:
    .byte 0
