-- gpio steps that wake a light sleep at the very tick timers expire: Lua runs first, stops one
-- timer and re-arms another, sleeps again (woken again at once), then takes what fired.
rtos.timer_start(9, 500)
rtos.timer_start(10, 500)
rtos.timer_start(11, 500)
rtos.timer_start(12, 250, 3)
log.info("t", "light", Node.lightSleep(1000), Node.uptime())
rtos.timer_stop(9)
rtos.timer_start(10, 30)
log.info("t", "light", Node.lightSleep(1000), Node.uptime())
for _ = 1, 6 do log.info("t", "got", rtos.receive(100)) end
log.info("t", "light", Node.lightSleep(300), Node.uptime())
