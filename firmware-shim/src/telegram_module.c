/* telegram_module.c: the firmware's optional `Telegram` binding (sim/core/src/bindings/telegram.rs).
 *
 * Only on builds with the `telegram` module (bindings.c checks the packed module list);
 * `Telegram.send(chat, text)` and `Telegram.broadcast(text)` are captured as `telegram`
 * trace lines. */
#include "lauxlib.h"
#include "lua.h"
#include "shim.h"

static void trace_message(const char *to, size_t to_len, const char *text, size_t len)
{
    trace_begin("telegram");
    trace_text(to, to_len);
    trace_raw(": ");
    trace_text(text, len);
    trace_end();
}

static int l_send(lua_State *L)
{
    size_t to_len, len;
    const char *to = arg_string(L, 1, &to_len);
    const char *text = arg_string(L, 2, &len);
    trace_message(to, to_len, text, len);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_broadcast(lua_State *L)
{
    size_t len;
    const char *text = arg_string(L, 1, &len);
    trace_message("broadcast", 9, text, len);
    lua_pushboolean(L, 1);
    return 1;
}

void Telegram_install(lua_State *L)
{
    static const luaL_Reg fns[] = { { "send", l_send }, { "broadcast", l_broadcast }, { NULL, NULL } };
    bind_global_table(L, "Telegram", fns);
}
