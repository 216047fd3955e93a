-- A task that wakes once a minute, counts its wakes and reports once a simulated day.
local sys = require("sys")

sys.taskInit(function()
    local wakes = 0
    while true do
        sys.wait(60 * 1000)
        wakes = wakes + 1
        if wakes % 1440 == 0 then
            log.info("minute", "day", wakes // 1440, "wakes", wakes)
        end
    end
end)

sys.run()
