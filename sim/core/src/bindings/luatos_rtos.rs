//! What LuatOS's `rtos` has beyond the C layer under `sys.lua` (`rtos.rs`), for builds with the
//! `luatos` module: the firmware's description of itself and its system heap.
//!
//! From LuatOS's documentation and `luat/modules/luat_lib_rtos.c` (openLuat/LuatOS):
//! `rtos.bsp()` names the board support package, `rtos.version()` the firmware version
//! (`rtos.version(true)` adds the firmware type number, `LUAT_CONF_FIRMWARE_TYPE_NUM` or 0, and
//! the VM's width, 64 here: the simulator's Lua has 64-bit integers and doubles),
//! `rtos.firmware()` is `LuatOS-SoC_<version>_<bsp>`, `rtos.buildDate()` is C's `__DATE__`;
//! `rtos.meminfo("sys")` reports the system heap rather than the Lua heap (`"lua"`, the
//! default), `"psram"` the PSRAM (none on this chip: zeros); `rtos.nop()` does nothing;
//! `rtos.autoCollectMem(period, warning, force)` configures an idle-time collection that the
//! simulator's figures do not model (its arguments are accepted and ignored). The figures come
//! from the profile's `luatos:` section.

use super::rtos::meminfo as lua_meminfo;
use super::{function, Args, BindResult, Binding};
use crate::device::with_world;
use crate::profile::LuatosBuild;
use mlua::{Lua, Table};

pub const BINDING: Binding =
    Binding { name: "rtos", module: Some(crate::profile::LUATOS), lean: false, simulator_only: true, install };

/// The firmware's figures: the profile's, or for a build that names the `luatos` module without
/// them, the chip's name as the bsp and nothing on the system heap.
fn build(lua: &Lua) -> LuatosBuild {
    with_world(lua, |w| {
        w.profile().luatos.clone().unwrap_or_else(|| LuatosBuild {
            bsp: w.profile().name.to_ascii_uppercase(),
            version: "V0000".into(),
            build_date: "Jan  1 2025".into(),
            sys_heap_bytes: 0,
            sys_heap_used_bytes: 0,
            firmware_type: 0,
        })
    })
}

fn install(lua: &Lua) -> mlua::Result<()> {
    let rtos: Table = lua.globals().get("rtos")?;
    rtos.raw_set("bsp", function(lua, "bsp", |lua, _| Ok(build(lua).bsp))?)?;
    rtos.raw_set("version", function(lua, "version", version)?)?;
    rtos.raw_set(
        "firmware",
        function(lua, "firmware", |lua, _| {
            let b = build(lua);
            Ok(format!("LuatOS-SoC_{}_{}", b.version, b.bsp))
        })?,
    )?;
    rtos.raw_set("buildDate", function(lua, "buildDate", |lua, _| Ok(build(lua).build_date))?)?;
    rtos.raw_set("meminfo", function(lua, "meminfo", meminfo)?)?;
    rtos.raw_set("nop", function(lua, "nop", |_, _| Ok(()))?)?;
    rtos.raw_set(
        "autoCollectMem",
        function(lua, "autoCollectMem", |_, args: Args| {
            for n in 1..=3 {
                args.opt_integer(n)?;
            }
            Ok(())
        })?,
    )
}

/// Width of the simulated VM's numbers (`LUAT_CONF_VM_64bit` builds say 64).
const VM_BITS: i64 = 64;

/// `rtos.version([numbers])`: the version; with `true` also the firmware type number and the
/// VM's width (`l_rtos_version`).
fn version(lua: &Lua, args: Args) -> BindResult<mlua::MultiValue> {
    let b = build(lua);
    let text = mlua::Value::String(lua.create_string(&b.version)?);
    if matches!(args.get(1), mlua::Value::Boolean(true)) {
        let numbers = [mlua::Value::Integer(b.firmware_type as i64), mlua::Value::Integer(VM_BITS)];
        return Ok(std::iter::once(text).chain(numbers).collect());
    }
    Ok(std::iter::once(text).collect())
}

/// `rtos.meminfo([kind])`: `total, used, max_used` of the Lua heap (`"lua"`), the system heap
/// (`"sys"`) or the PSRAM (`"psram"`).
fn meminfo(lua: &Lua, args: Args) -> BindResult<(i64, i64, i64)> {
    let kind = args.opt_bytes(1, b"lua")?;
    match kind.as_slice() {
        b"sys" => {
            let b = build(lua);
            Ok((b.sys_heap_bytes as i64, b.sys_heap_used_bytes as i64, b.sys_heap_used_bytes as i64))
        }
        b"psram" => Ok((0, 0, 0)),
        _ => lua_meminfo(lua, args),
    }
}
