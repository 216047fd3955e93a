-- Sleepy tasks on both sides: a task that sleeps in a loop with a table of every kind of value,
-- a closure over a shared upvalue, a coroutine.wrap function and a required module; a task in
-- sys.waitUntil whose timeout spans the sleeps; an rtos loop timer re-armed at every wake and
-- firing while the sleeper waits; and
-- the refusals: a bad sleep time (under pcall), a value that cannot persist, an image too big.
local lib = require("lib")
log.info("boot", Node.wakeCause())

local shared = 0
local function bump(n)
  shared = shared + n
  return shared
end

sys.taskInit(function()
  sys.wait(10)
  local big = string.rep("x", 17000)
  Node.deepSleep(100)
  log.info("big", "not reached", #big)
end)

sys.taskInit(function()
  sys.wait(20)
  local f = load("return 1")
  Node.deepSleep(100)
  log.info("load", "not reached", f())
end)

sys.taskInit(function()
  local ok = sys.waitUntil("never", 7000)
  log.info("waiter", "timed out", ok, Node.uptime())
end)

sys.timerLoopStart(function()
  log.info("loop", "tick", bump(0), Node.uptime())
end, 1500)

sys.taskInit(function()
  sys.wait(50)
  local state = { n = 0, name = "a\0b", f = 2.0, i = 2, list = {} }
  state.self = state
  setmetatable(state.list, { __index = function() return "none" end })
  local wrapped = coroutine.wrap(function(a)
    while true do
      a = coroutine.yield(a * 2)
    end
  end)
  wrapped(0)
  while true do
    state.n = state.n + 1
    state.list[#state.list + 1] = lib.reading(state.n)
    log.info("sleeper", state.n, bump(1), math.type(state.i), math.type(state.f), #state.name,
      state.list.missing, wrapped(state.n), state.self == state, table.concat(state.list, ","))
    if state.n == 2 then
      log.info("sleeper", "bad time", pcall(Node.deepSleep, -1))
    end
    log.info("sleeper", "woke by", Node.deepSleep(1000), Node.uptime())
    sys.wait(30) -- the timers due while asleep fire at the first tick
  end
end)

sys.run()
