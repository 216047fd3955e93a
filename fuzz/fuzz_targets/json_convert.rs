//! Fuzzes the JSON binding's conversions: serde_json parses the input as `JSON.decode` does,
//! `json_to_lua` builds Lua values in a memory-limited state, and `lua_to_json` encodes them
//! back. Nothing may panic; and once one decode/encode has normalised a document (nulls
//! dropped, empty arrays become objects), encoding is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use luasim_core::bindings::convert::{json_to_lua, lua_to_json};
use mlua::Lua;

thread_local! {
    static LUA: Lua = {
        let lua = Lua::new();
        lua.set_memory_limit(64 << 20).expect("a memory limit");
        lua
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return };
    LUA.with(|lua| {
        let Ok(value) = json_to_lua(lua, &json) else { return };
        let Ok(once) = lua_to_json(&value) else { return };
        let again = json_to_lua(lua, &once).expect("a value that encoded decodes");
        assert_eq!(lua_to_json(&again), Ok(once), "encoding is stable after one round");
    });
});
