-- gpio steps while awake reach EventBus subscribers with { pin = N }; a gpio step that ends a
-- light or deep sleep only wakes the device. Binding argument errors name the function.
local boot = Node.wakeCause()
EventBus.subscribe("gpio", function(data)
  log.info("gpio", "event", data.pin, boot)
end)

if boot == "power-on" then
  local start, set = rtos.timer_start, RTC.set
  log.info("args", pcall(rtos.timer_start, "x"))
  log.info("args", pcall(start, 1, 2.5))
  log.info("args", pcall(rtos.timer_stop))
  log.info("args", pcall(rtos.receive, "soon"))
  log.info("args", pcall(set, {}, 1))
  log.info("args", pcall(RTC.get))
  log.info("args", pcall(RTC.remove, true))
  log.info("args", pcall(Node.lightSleep, -1))
  log.info("args", pcall(Node.deepSleep, "zz"))
  log.info("args", pcall(Node.setTimeout, 5))
end

sys.taskInit(function()
  if boot ~= "power-on" then
    return
  end
  sys.wait(1400)
  log.info("sleep", "light", Node.lightSleep(1000))
  sys.wait(500)
  Node.deepSleep()
end)
sys.run()
