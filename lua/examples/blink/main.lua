-- The LuaSys README's basic example: an LED task toggling every second and a counter task
-- counting to ten every 500 ms, as it would run on the device.
local sys = require("sys")

-- Task 1: Blink LED
sys.taskInit(function()
    while true do
        print("LED ON")
        sys.wait(1000)  -- Wait 1 second
        print("LED OFF")
        sys.wait(1000)
    end
end)

-- Task 2: Counter
sys.taskInit(function()
    for i = 1, 10 do
        print("Count: " .. i)
        sys.wait(500)
    end
end)

-- Start event loop (blocks forever)
sys.run()
