-- What the device sees of the configuration and the flash after each boot: steps missed while
-- asleep or off never arrive, the others survive deep sleep, reboots and power losses.
local cause = Node.wakeCause()
log.info("boot", cause, Config.get("a"), Config.get("b"))
log.info("files", pcall(dofile, "/scripts/extra.lua"))
log.info("files", pcall(dofile, "/scripts/other.lua"))
if cause == "power-on" then
  Node.deepSleep(2000)
end
if cause == "timer" then
  sys.taskInit(function()
    sys.wait(1000)
    rtos.reboot()
  end)
end
sys.run()
