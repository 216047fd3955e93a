-- Injected messages at instants on and between ticks, next to timers due in the same tick:
-- the trace shows timers first, then injected steps, then what Lua does, all at the step's µs.
sys.subscribe("EV", function(v, w)
  log.info("ev", v, w, Node.uptime(), os.clock(), os.time())
end)
sys.timerLoopStart(function() log.info("loop", Node.uptime()) end, 100)
sys.taskInit(function()
  while true do
    local ok, v = sys.waitUntil("PING", 250)
    log.info("ping", tostring(ok), v, Node.uptime())
  end
end)
sys.run()
