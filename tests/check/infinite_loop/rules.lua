-- Candidate boiler rules with a runaway loop: on a hot reading the callback waits for the
-- temperature to fall, but the reading it looks at never changes and Lua never yields, so the
-- task watchdog stops the device.
EventBus.subscribe("sensor.temperature", function(data)
  local threshold = Config.get("alerts.overtemp_threshold") or 80
  local checks = 0
  while data.value > threshold do checks = checks + 1 end
  Log.info("back to normal after " .. checks .. " checks")
end)
