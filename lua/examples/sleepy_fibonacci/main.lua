-- The lua-l thread's Fibonacci printer as a sleepy task: one number per wake, a deep sleep to
-- the next whole second between them, the numbers kept in the task's locals across every
-- sleep (device `sleepy: true`, docs/sleepy-tasks.md). After fib(90) it starts again at 0.
sys.taskInit(function()
  local i, a, b = 0, 0, 1
  while true do
    log.info("fib", i, a)
    i, a, b = i + 1, b, a + b
    if i > 90 then
      i, a, b = 0, 0, 1
    end
    Node.deepSleep(1000 - Node.uptime() % 1000)
  end
end)
sys.run()
