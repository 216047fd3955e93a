-- sleepy.lua: Node.deepSleep on a sleepy device (docs/sleepy-tasks.md), one text for the
-- simulator (sim/core/src/runtime/sleepy.rs) and the firmware (firmware-shim/src/sleepy.c).
-- A sys task asks to sleep and yields; once the queue is empty the tasks are persisted and,
-- after the wake, the sleeper resumes with the wake cause, or with nil and the reason it
-- stayed awake (a bad sleep time, a value that cannot persist, a region too small).
-- One task sleeps at a time: another task that asks while a request is pending is refused at
-- once with an error (it would otherwise wait for a resume that never comes).
-- Anywhere else (the main chunk, a coroutine of the script's own) it is the plain deep sleep.
local request, plain, tasks = ...
local co_running, co_yield, error = coroutine.running, coroutine.yield, error
local pending = false
return function(ms)
  local co, main = co_running()
  if main or not tasks[co] then
    return plain(ms)
  end
  if pending then
    error("Node.deepSleep: another task is already going to sleep", 2)
  end
  pending = true
  request(ms, co)
  local cause, err = co_yield()
  pending = false
  if cause == nil then
    error(err, 2)
  end
  return cause
end
