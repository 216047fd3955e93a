-- A LuatOS project as LuatOS's tools lay it out: main.lua sets PROJECT and VERSION, loads its
-- modules with require and ends with sys.run(). It runs unchanged on the `luatos` profile.
PROJECT = "sensor_demo"
VERSION = "1.0.0"

log.style(1)
log.info("main", PROJECT, VERSION, rtos.bsp())
log.style(0)

local sensor = require "sensor"

sys.taskInit(function()
    while true do
        local reading = sensor.read()
        log.info("report", json.encode(reading, "1f"))
        sys.publish("REPORT", reading.n)
        sys.wait(1000)
    end
end)

sys.subscribe("REPORT", function(n)
    if n == 3 then
        log.info("report", "third reading sent")
    end
end)

sys.run()
