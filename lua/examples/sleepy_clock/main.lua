-- The lua-l thread's clock as a sleepy task: the same loop as lua/examples/vm_in_region, but
-- only the task is kept in the sleep region across each one-minute deep sleep (device
-- `sleepy: true`, docs/sleepy-tasks.md), not the whole VM. main.lua's body runs once.
sys.taskInit(function()
  local minutes = 0
  while true do
    minutes = minutes + 1
    if minutes % 60 == 0 then
      log.info("clock", string.format("%02d:%02d", minutes // 60 % 24, minutes % 60))
    end
    Node.deepSleep(60000 - Node.uptime())
  end
end)
sys.run()
