//! The cost of a fresh device state (sandbox, bindings, prelude, `sys.lua`) plus loading a
//! script through the 256-byte reader, against a bare mlua state (`bench::bare_lua`) and `load`
//! of the same text.

use super::{timed, BenchResult, Figure, Size};
use luasim_core::runtime::SYS_LUA;

const SCRIPT: &str = "local t = {}\nfor i = 1, 10 do t[i] = i * i end\nlog.info('boot', #t)\n";

pub fn run(size: Size) -> Result<BenchResult, String> {
    let n = if size == Size::Full { 5_000 } else { 200 };
    let yaml = format!(
        "name: states\ndevice: {{ profile: esp32s3, boot_ms: 1 }}\nduration: {n}ms\nscripts:\n  main.lua: |\n    {}\n    rtos.reboot()\n",
        SCRIPT.trim_end().replace('\n', "\n    ")
    );
    let (report, sim_wall) = timed(|| super::run_yaml(&yaml));
    let boots = report?.stats.boots.max(1);
    let (bare, bare_wall) = timed(|| -> Result<(), String> {
        for _ in 0..boots {
            let lua = super::bare_lua()?;
            lua.load("log = { info = function() end }").exec().map_err(|e| e.to_string())?;
            lua.load(SYS_LUA).exec().map_err(|e| e.to_string())?;
            lua.load(SCRIPT).exec().map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    bare?;
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / boots as f64;
    let (sim_us, bare_us) = (per(sim_wall), per(bare_wall));
    Ok(BenchResult::new(
        "state-creation",
        format!("{boots} boots: device state + script vs a bare mlua state + load of sys.lua and the script"),
        vec![
            Figure::new("simulator", sim_us, "us", format!("{sim_us:.1} µs per boot")),
            Figure::new("bare mlua", bare_us, "us", format!("{bare_us:.1} µs per state")),
            Figure::ratio("simulator / bare", sim_us / bare_us),
        ],
    ))
}
