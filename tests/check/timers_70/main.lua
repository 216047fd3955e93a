-- One timer per sensor, 70 sensors: the device has 64 rtos timer slots, so the 65th start is
-- refused and the assert fails at boot.
for i = 1, 70 do
  assert(sys.timerLoopStart(function() log.info("sensor", i) end, 1000), "no timer for sensor " .. i)
end
sys.run()
