-- A deep-sleep cycle that keeps its state in the sleep region: every wake counts, appends to a
-- short history, stores values of every kind (so the byte format is exercised both ways), logs
-- what it read back, light-sleeps a second with an rtos timer pending, takes what the queue
-- holds, waits 400 ms more, then sleeps to the next
-- whole minute of os.time(). The scenario's steps wake it by gpio, arrive while it sleeps, and
-- cut its power.
local cause = Node.wakeCause()
local status = RTC.status()
if status ~= "ok" then
  log.warn("sleep", "region", status, "after", cause, "used", RTC.used())
  RTC.clear()
end

local boots = (RTC.get("boots") or 0) + 1
RTC.set("boots", boots)

local hist = RTC.get("hist") or {}
hist[#hist + 1] = { n = boots, cause = cause, up = Node.uptime(), f = boots / 4, even = boots % 2 == 0 }
if #hist > 6 then
  table.remove(hist, 1)
end
RTC.set("hist", hist)
RTC.set("name", "wake " .. boots)
RTC.set("big", boots * 1000000007)
RTC.set("neg", -boots * 300)
RTC.set("mixed", { "a", "b", [10] = true, [-5] = 2.5, [300] = -70000, x = { y = { z = boots } } })
if cause == "gpio" then
  RTC.set("gpio_wakes", (RTC.get("gpio_wakes") or 0) + 1)
end
if boots % 7 == 0 then
  RTC.remove("neg")
end

local m = RTC.get("mixed")
log.info("sleep", "boot", boots, cause, status, "used", RTC.used(), "free", RTC.free(),
  "keys", table.concat(RTC.keys(), ","), "mixed", m[1], m[2], m[10], m[-5], m[300], m.x.y.z,
  "big", RTC.get("big"), "neg", RTC.get("neg"), "gpio", RTC.get("gpio_wakes"))
local parts = {}
for i, h in ipairs(RTC.get("hist")) do
  parts[i] = h.n .. ":" .. h.cause .. ":" .. h.up .. ":" .. h.f .. ":" .. tostring(h.even)
end
log.info("sleep", "hist", table.concat(parts, " "))

if boots == 3 then
  local cycle = {}
  cycle.self = cycle
  for _, v in ipairs({ function() end, cycle, { [1.5] = 1 }, string.rep("x", 20000) }) do
    local ok, err = pcall(RTC.set, "bad", v)
    log.info("sleep", "refused", ok, err)
  end
end

rtos.timer_start(9, 300)
log.info("sleep", "light", Node.lightSleep(1000), Node.uptime())
repeat
  local what, id = rtos.receive(400)
  log.info("sleep", "received", what, id, Node.uptime())
until what == rtos.MSG_TIMEOUT
Node.deepSleep((60 - os.time() % 60) * 1000 - Node.uptime() % 1000)
