-- Drives the rtos module directly (its own receive loop, no sys.run) to pin the timer contract
-- on the simulator and the QEMU firmware: ms -> tick rounding, refused delays, repeat counts,
-- re-arming (a re-armed timer goes behind timers due in the same tick), stop, receive timeouts.
local MSG_TIMER, MSG_TIMEOUT = rtos.MSG_TIMER, rtos.MSG_TIMEOUT

log.info("start", "5ms", rtos.timer_start(1, 5))          -- rounds up to one tick
log.info("start", "10ms", rtos.timer_start(2, 10))
log.info("start", "11ms x3", rtos.timer_start(3, 11, 2))  -- fires three times
log.info("start", "0ms", rtos.timer_start(4, 0))          -- refused: below 1 ms
log.info("start", "too long", rtos.timer_start(5, 42949672960))  -- >= 2^32 ticks at 100 and 1000 Hz
log.info("start", "longest", rtos.timer_start(6, 4294967295))    -- 2^32-1 ticks at 1000 Hz: accepted
rtos.timer_start(7, 20, -1)
rtos.timer_start(8, 20, 0)
rtos.timer_start(7, 20, -1)                                -- re-armed: now behind 8
rtos.timer_start(9, 20, 1)

local loops = 0
while true do
  local m, id, rep = rtos.receive(35)
  if m == MSG_TIMER then
    log.info("rx", id, rep, Node.uptime())
    if id == 7 then
      loops = loops + 1
      if loops == 4 then
        rtos.timer_stop(7)
        rtos.timer_stop(6)
        rtos.timer_stop(7)                                 -- not armed: nothing traced
        log.info("rearm 3", rtos.timer_start(3, 7, 1))
      end
    end
  elseif m == MSG_TIMEOUT then
    log.info("rx", "timeout", Node.uptime())
    if Node.uptime() >= 300 then
      break
    end
  end
end
log.info("done", rtos.version(), os.clock())
