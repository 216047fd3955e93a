-- The seed's smartwatch written as one straight loop: a sys task that sleeps in deep sleep
-- between minutes and goes on at the statement after its sleep, its locals intact. With the
-- scenario's `sleepy: true`, Node.deepSleep in a task keeps every task in the sleep region.
local steps = 0                       -- an upvalue of `record`, shared with the task

local function record(history, reading)
  history[#history + 1] = reading
  if #history > 32 then
    table.remove(history, 1)
  end
  steps = steps + reading
end

sys.taskInit(function()
  local wakes, history = 0, {}
  local mean = function()             -- a closure over `history`
    local sum = 0
    for _, v in ipairs(history) do sum = sum + v end
    return sum / #history
  end
  while true do
    wakes = wakes + 1
    record(history, (wakes * 37) % 100)    -- a pretend step count for this minute
    if wakes % 1440 == 0 then
      log.info("watch", "day", wakes // 1440, "wakes", wakes, "steps", steps,
        "last", #history, string.format("mean %.2f", mean()))
    end
    local cause = Node.deepSleep(60000 - Node.uptime() % 60000)
    if cause ~= "timer" then
      log.warn("watch", "woke by " .. tostring(cause))
    end
  end
end)

sys.run()
