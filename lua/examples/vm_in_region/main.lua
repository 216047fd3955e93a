-- The lua-l thread's clock: the program keeps running across deep sleep because the whole VM
-- lives in the sleep region. Every wake it ticks the clock and collects garbage.
local minutes = 0
while true do
  minutes = minutes + 1
  collectgarbage()
  if minutes % 60 == 0 then
    print(string.format("%02d:%02d", minutes // 60 % 24, minutes % 60), collectgarbage("count"))
  end
  Node.deepSleep(60000 - Node.uptime())
end
