-- A task that fails on its first round after a wait: fine at boot, broken a second later.
sys.taskInit(function()
  while true do
    sys.wait(1000)
    local reading = nil
    log.info("task", "reading " .. reading.value)
  end
end)
sys.run()
