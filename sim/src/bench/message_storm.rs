//! One million `sys.publish` → subscriber deliveries, in the simulator and in a bare mlua state
//! running the very same `sys.lua` and script over a stub `rtos` written in Lua. The ratio is
//! the simulator's overhead on the same Lua work. Target: at most 1.5x.

use super::{run_yaml, timed, BenchResult, Figure, Size};
use luasim_core::runtime::SYS_LUA;

const MAIN: &str = r#"
local delivered = 0
sys.subscribe("M", function(v) delivered = delivered + v end)
sys.taskInit(function()
  for round = 1, ROUNDS do
    for i = 1, 1000 do sys.publish("M", 1) end
    sys.wait(1)
  end
  log.info("storm", delivered)
end)
sys.run()
"#;

/// A stub `rtos` and `log` in Lua: timers "fire" at once, in start order.
const STUB: &str = r#"
local pending, head, tail = {}, 1, 0
rtos = { MSG_TIMEOUT = 0, MSG_TIMER = 1, MSG_PUBLISH = 2, MSG_CALLBACK = 3, INF_TIMEOUT = -1 }
function rtos.timer_start(id)
  tail = tail + 1
  pending[tail] = id
  return 1
end
function rtos.timer_stop() end
function rtos.receive()
  local id = pending[head]
  if not id then error("bench done") end
  pending[head] = nil
  head = head + 1
  return 1, id, 0
end
local function quiet() end
log = { debug = quiet, info = function(_, n) DELIVERED = n end, warn = quiet, error = quiet }
"#;

fn bare(main: &str, expected: i64) -> Result<(), String> {
    let lua = super::bare_lua()?;
    lua.load(STUB).exec().map_err(|e| e.to_string())?;
    let sys: mlua::Value = lua.load(SYS_LUA).set_name("@sys.lua").call(()).map_err(|e| e.to_string())?;
    lua.globals().set("sys", sys).map_err(|e| e.to_string())?;
    match lua.load(main).exec() {
        Err(e) if e.to_string().contains("bench done") => {}
        Err(e) => return Err(e.to_string()),
        Ok(()) => {}
    }
    let delivered: Option<i64> = lua.globals().get("DELIVERED").map_err(|e| e.to_string())?;
    match delivered {
        Some(n) if n == expected => Ok(()),
        other => Err(format!("the bare run delivered {other:?} messages, not {expected}")),
    }
}

pub fn run(size: Size) -> Result<BenchResult, String> {
    let rounds = if size == Size::Full { 1_000 } else { 50 };
    let main = MAIN.replace("ROUNDS", &rounds.to_string());
    let indented: String = main.lines().map(|l| format!("    {l}\n")).collect();
    let yaml = format!("name: message-storm\ndevice: esp32s3\nduration: 1h\nscripts:\n  main.lua: |\n{indented}");
    let (sim, sim_wall) = timed(|| run_yaml(&yaml));
    sim?;
    let (bare_result, bare_wall) = timed(|| bare(&main, rounds as i64 * 1000));
    bare_result?;
    let ratio = sim_wall.as_secs_f64() / bare_wall.as_secs_f64();
    let deliveries = rounds * 1000;
    let per_s = deliveries as f64 / sim_wall.as_secs_f64();
    Ok(BenchResult::new(
        "message-storm",
        format!("{deliveries} sys.publish deliveries: simulator vs bare mlua with a stub rtos"),
        vec![
            Figure::seconds("simulator", sim_wall),
            Figure::new("deliveries / s", per_s, "per_s", format!("{per_s:.0}")),
            Figure::seconds("bare mlua", bare_wall),
            Figure::ratio("simulator / bare", ratio).at_most(1.5),
        ],
    ))
}
