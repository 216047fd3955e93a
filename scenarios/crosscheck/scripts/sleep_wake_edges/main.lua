-- The edges of sleeping: light sleep inside a task while a loop timer keeps firing (its
-- expiries queue up and run after the wake), a light sleep cut short by gpio, a reboot that
-- keeps the sleep region, deep sleep until woken, for 0 ms, with a step at its very wake
-- time, and a light sleep that outlasts the run. The boot count lives in the sleep region.
local cause = Node.wakeCause()
if RTC.status() == "empty" then
  RTC.clear() -- a bare header; the status stays what the boot found
  log.info("edge", "cleared", RTC.status(), RTC.used(), #RTC.keys())
end
local n = (RTC.get("n") or 0) + 1
RTC.set("n", n)
log.info("edge", "boot", n, cause, RTC.status(), RTC.used(), RTC.free())

if n == 1 then
  sys.taskInit(function()
    local loop = sys.timerLoopStart(function() log.info("edge", "loop", Node.uptime()) end, 250)
    log.info("edge", "light", Node.lightSleep(1000), Node.uptime())
    sys.wait(100)
    log.info("edge", "light", Node.lightSleep(5000), Node.uptime())
    sys.timerStop(loop)
    sys.timerStart(Node.restart, 10)
  end)
  sys.subscribe("PING", function(...) log.info("edge", "ping", ..., Node.uptime()) end)
  sys.run()
elseif n == 2 then
  Node.deepSleep()
elseif n == 3 then
  Node.deepSleep(0)
elseif n == 4 then
  Node.deepSleep(3000)
else
  log.info("edge", "light", Node.lightSleep(100000))
end
