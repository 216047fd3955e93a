-- LuaSys advanced pattern: a software watchdog. A worker feeds it by restarting a one-shot
-- timer; when the worker stalls (told to by a STALL message), the watchdog reboots the device.
local sys = require("sys")

local function bark()
    log.error("watchdog", "worker stalled, rebooting")
    rtos.reboot()
end

sys.taskInit(function()
    local stalled = false
    sys.subscribe("STALL", function() stalled = true end)
    while true do
        if not stalled then
            sys.timerStart(bark, 2000) -- same function, no arguments: restarts the watchdog
            log.debug("worker", "fed")
        end
        sys.wait(500)
    end
end)

sys.run()
