-- LuaSys advanced pattern: a producer task publishes readings, a consumer task waits for them
-- with a timeout and reports averages; a third task reports when the producer goes quiet.
local sys = require("sys")

sys.taskInit(function()
    for i = 1, 20 do
        sys.wait(200)
        sys.publish("DATA", i * 10)
    end
    log.info("producer", "done")
end)

sys.taskInit(function()
    local sum, n = 0, 0
    while true do
        local ok, value = sys.waitUntil("DATA", 1000)
        if not ok then
            log.warn("consumer", "no data for 1 s, average", n > 0 and sum // n or 0)
            break
        end
        sum, n = sum + value, n + 1
        if n % 5 == 0 then
            log.info("consumer", "received", n, "average", sum // n)
        end
    end
end)

sys.run()
