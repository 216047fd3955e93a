-- Candidate boiler rules with a timer leak: every reading starts its own ten-minute "cooldown"
-- timer (a fresh closure each time, so nothing restarts an old one). With a reading every 5 s,
-- 120 timers would be running at once; the device has 64 slots and refuses the 65th.
EventBus.subscribe("sensor.temperature", function(data)
  sys.timerStart(function()
    Log.info("cooldown over after " .. data.value)
  end, 600000)
end)
