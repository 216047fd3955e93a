-- Every 10 s: read the sensor, show the reading.
local function show()
  local r = BME280.read()
  Display.draw(string.format("%.1f C %d%%", r.t, r.h))
end

sys.timerLoopStart(show, 10000)
sys.run()
