-- A LuatOS-style script: a task waits for button presses the firmware publishes, with a
-- 3-second timeout, and a loop timer reports how many presses it has seen.
PROJECT = "button"
VERSION = "1.0.0"

local sys = require("sys")

local presses = 0

sys.taskInit(function()
    while true do
        local pressed, button = sys.waitUntil("BUTTON", 3000)
        if pressed then
            presses = presses + 1
            log.info("button", "pressed", button)
        else
            log.warn("button", "no press for 3 s")
        end
    end
end)

sys.timerLoopStart(function()
    log.info("stats", "presses", presses)
end, 5000)

sys.run()
