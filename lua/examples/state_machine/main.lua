-- LuaSys advanced pattern: a traffic-light state machine in one task, with a pedestrian
-- button (published by the firmware) that shortens the green phase.
local sys = require("sys")

local durations = { red = 3000, green = 4000, yellow = 1000 }
local nextState = { red = "green", green = "yellow", yellow = "red" }

sys.taskInit(function()
    local state = "red"
    while true do
        log.info("light", state)
        if state == "green" then
            local pressed = sys.waitUntil("BUTTON", durations.green)
            if pressed then
                log.info("light", "button: green cut short")
                sys.wait(500)
            end
        else
            sys.wait(durations[state])
        end
        state = nextState[state]
    end
end)

sys.run()
