-- sys.lua: cooperative tasks, timers and publish/subscribe over the `rtos` module.
--
-- Written for luasim and its firmware; loaded unchanged by both. Behaviour follows LuatOS's
-- sys.lua, so scripts that use only sys.* and log.* run unchanged:
--   * taskInit runs the new task up to its first yield;
--   * publish only queues; subscribers run at the next dispatch, in publish order (FIFO), and
--     the subscribers of one topic in the order they subscribed;
--   * timerStart with the same function and arguments restarts that timer;
--   * waitUntil returns true, args... or false on timeout;
--   * waiting outside a task is an error; an error inside a task is logged with its traceback
--     (and reboots the device when the global COROUTINE_ERROR_RESTART is true).
-- Differences from LuatOS, chosen for determinism and fidelity: subscribers are kept in lists,
-- not hash sets (the order is defined); loop timers are periodic rtos timers (repeat -1), which
-- do not drift, instead of being re-armed after each callback.

-- Every global and library function used below is captured now, so a script that removes or
-- replaces one (`xpcall`, `coroutine.resume`, `debug.traceback`...) cannot break dispatch.
-- Module fields (`rtos.*`, `log.*`) are still looked up at each call, as on LuatOS.
local rtos, log = rtos, log
local co_create, co_resume, co_yield, co_running = coroutine.create, coroutine.resume, coroutine.yield, coroutine.running
local table_sort, table_remove, traceback = table.sort, table.remove, debug.traceback
local type, select, error, tostring, ipairs, pairs = type, select, error, tostring, ipairs, pairs
local setmetatable, unpack = setmetatable, table.unpack or unpack

local sys = {}

-- Timer ids, as in LuatOS: 1..TASK_TIMER_ID_MAX for task waits, above it for callback timers.
local TASK_TIMER_ID_MAX = 0x1FFFFF
local MSG_TIMER_ID_MAX = 0x7FFFFF

local lastTaskTimerId = 0
local lastMsgTimerId = TASK_TIMER_ID_MAX
local timerPool = {}  -- timer id -> waiting task (thread) or callback (function)
local waitingOn = {}  -- task -> id of the timer its sys.wait is waiting for
local timerArgs = {}  -- timer id -> packed callback arguments
local loopTimers = {} -- timer id -> period in ms, for loop timers
local tasks = setmetatable({}, { __mode = "k" }) -- coroutines started by taskInit

local function pack(...)
  return { n = select("#", ...), ... }
end

local function taskFailed(co, err)
  log.error("sys", "task error: " .. traceback(co, tostring(err)))
  if COROUTINE_ERROR_RESTART then
    rtos.reboot()
  end
end

local function resume(co, ...)
  local ok, err = co_resume(co, ...)
  if not ok then
    taskFailed(co, err)
  end
end

-- The running task; an error at the caller of `fname` (`depth` frames up) outside a task.
local function currentTask(fname, depth)
  local co, isMain = co_running()
  if co == nil or isMain or not tasks[co] then
    error(fname .. " must be called inside a task started by sys.taskInit", (depth or 2) + 1)
  end
  return co
end

local function checkDelay(fname, ms)
  if type(ms) ~= "number" or not (ms > 0) then
    error(fname .. ": the delay must be a number > 0 ms, got " .. tostring(ms), 3)
  end
end

--- Starts `fn(...)` as a task and runs it up to its first yield. Returns the coroutine.
function sys.taskInit(fn, ...)
  local co = co_create(fn)
  tasks[co] = true
  resume(co, ...)
  return co
end

--- Suspends the calling task for `ms` milliseconds. Returns at once (nil) when no timer slot
--- is free. When woken early by a message (waitUntil), returns that message.
function sys.wait(ms)
  local co = currentTask("sys.wait")
  checkDelay("sys.wait", ms)
  if lastTaskTimerId >= TASK_TIMER_ID_MAX then
    lastTaskTimerId = 0
  end
  lastTaskTimerId = lastTaskTimerId + 1
  local id = lastTaskTimerId
  if rtos.timer_start(id, ms) ~= 1 then
    log.debug("sys", "rtos.timer_start error")
    return
  end
  timerPool[id] = co
  waitingOn[co] = id
  local message = pack(co_yield())
  if message.n ~= 0 then
    rtos.timer_stop(id)
    timerPool[id] = nil
    waitingOn[co] = nil
    return unpack(message, 1, message.n)
  end
end

local function sameArgs(a, b)
  local bn = b and b.n or 0
  if a.n ~= bn then
    return false
  end
  for i = 1, a.n do
    if a[i] ~= b[i] then
      return false
    end
  end
  return true
end

-- Ids of callback timers of `fn` whose arguments equal `args` (any arguments when nil),
-- in increasing order so that stopping them is traced the same way every run.
local function timersOf(fn, args)
  local ids = {}
  for id, cb in pairs(timerPool) do
    if cb == fn and id > TASK_TIMER_ID_MAX and (args == nil or sameArgs(args, timerArgs[id])) then
      ids[#ids + 1] = id
    end
  end
  table_sort(ids)
  return ids
end

local function forget(id)
  timerPool[id], timerArgs[id], loopTimers[id] = nil, nil, nil
end

local function startTimer(fname, fn, ms, repeats, ...)
  if type(fn) ~= "function" then
    error(fname .. ": the callback must be a function, got " .. type(fn), 3)
  end
  checkDelay(fname, ms)
  local args = pack(...)
  for _, id in ipairs(timersOf(fn, args)) do
    rtos.timer_stop(id)
    forget(id)
  end
  repeat
    if lastMsgTimerId >= MSG_TIMER_ID_MAX then
      lastMsgTimerId = TASK_TIMER_ID_MAX
    end
    lastMsgTimerId = lastMsgTimerId + 1
  until timerPool[lastMsgTimerId] == nil
  local id = lastMsgTimerId
  if rtos.timer_start(id, ms, repeats) ~= 1 then
    log.debug("sys", "rtos.timer_start error")
    return nil
  end
  timerPool[id] = fn
  if args.n > 0 then
    timerArgs[id] = args
  end
  if repeats == -1 then
    loopTimers[id] = ms
  end
  return id
end

--- Calls `fn(...)` once after `ms`. Restarts an existing timer with the same function and
--- arguments. Returns the timer id, or nil when no timer slot is free.
function sys.timerStart(fn, ms, ...)
  return startTimer("sys.timerStart", fn, ms, 0, ...)
end

--- Calls `fn(...)` every `ms` until stopped. Returns the timer id or nil.
function sys.timerLoopStart(fn, ms, ...)
  return startTimer("sys.timerLoopStart", fn, ms, -1, ...)
end

--- Stops a timer by id, or the timer of `fn` started with exactly these arguments.
function sys.timerStop(val, ...)
  if type(val) == "number" then
    forget(val)
    rtos.timer_stop(val)
    return
  end
  for _, id in ipairs(timersOf(val, pack(...))) do
    rtos.timer_stop(id)
    forget(id)
  end
end

--- Stops every timer of `fn`, whatever its arguments.
function sys.timerStopAll(fn)
  for _, id in ipairs(timersOf(fn, nil)) do
    rtos.timer_stop(id)
    forget(id)
  end
end

--- Whether a timer (by id, or by function and arguments) is running.
function sys.timerIsActive(val, ...)
  if type(val) == "number" then
    return timerPool[val] ~= nil
  end
  return #timersOf(val, pack(...)) > 0
end

local subscribers = {} -- topic -> { list = {callbacks in subscription order}, set = {callback -> true} }
local queue, queueHead, queueTail = {}, 1, 0 -- published messages, FIFO

--- Calls `callback` (a function, or a task waiting in waitUntil) for every message on `id`.
function sys.subscribe(id, callback)
  local kind = type(callback)
  if id == nil or (kind ~= "function" and kind ~= "thread") then
    log.warn("sys", "sys.subscribe: invalid parameters " .. tostring(id) .. " " .. tostring(callback))
    return
  end
  local subs = subscribers[id]
  if not subs then
    subs = { list = {}, set = {} }
    subscribers[id] = subs
  end
  if not subs.set[callback] then
    subs.set[callback] = true
    subs.list[#subs.list + 1] = callback
  end
end

function sys.unsubscribe(id, callback)
  local subs = subscribers[id]
  if not subs or not subs.set[callback] then
    return
  end
  subs.set[callback] = nil
  for i, cb in ipairs(subs.list) do
    if cb == callback then
      table_remove(subs.list, i)
      break
    end
  end
  if #subs.list == 0 then
    subscribers[id] = nil
  end
end

--- Queues a message; subscribers run at the next dispatch (no hole if memory runs out).
function sys.publish(...)
  queue[queueTail + 1] = pack(...)
  queueTail = queueTail + 1
end

local function deliver(message)
  local subs = subscribers[message[1]]
  if not subs then
    return
  end
  local snapshot = { unpack(subs.list) }
  for _, callback in ipairs(snapshot) do
    if subs.set[callback] then
      if type(callback) == "function" then
        callback(unpack(message, 2, message.n))
      else
        resume(callback, unpack(message, 1, message.n))
      end
    end
  end
end

local function dispatch()
  while queueHead <= queueTail do
    local message = queue[queueHead]
    queue[queueHead] = nil
    queueHead = queueHead + 1
    deliver(message)
  end
  queue, queueHead, queueTail = {}, 1, 0
end

-- Subscribes the calling task to `id` and waits for a message, at most `ms` (forever when nil).
-- Returns the packed message (id, args...), empty on timeout.
local function waitFor(fname, id, ms)
  local co = currentTask(fname, 3)
  sys.subscribe(id, co)
  local message = ms and pack(sys.wait(ms)) or pack(co_yield())
  sys.unsubscribe(id, co)
  return message
end

--- Waits in a task for a message on `id`, at most `ms` (forever when nil).
--- Returns true, args... or false on timeout.
function sys.waitUntil(id, ms)
  local message = waitFor("sys.waitUntil", id, ms)
  return message[1] ~= nil, unpack(message, 2, message.n)
end

--- Like waitUntil, but returns the whole message (id, args...) or false on timeout.
function sys.waitUntilExt(id, ms)
  local message = waitFor("sys.waitUntilExt", id, ms)
  if message[1] ~= nil then
    return unpack(message, 1, message.n)
  end
  return false
end

-- Task mailboxes (LuatOS taskInitEx family): name -> { queue = {messages}, cb = fn, timedOut = bool }
local mailboxes = {}

--- Starts a task with a named mailbox; `cb(msg)` receives messages waitMsg skips.
function sys.taskInitEx(fn, name, cb, ...)
  mailboxes[name] = { queue = {}, cb = cb, timedOut = false }
  return sys.taskInit(fn, ...)
end

--- Removes a task's mailbox.
function sys.taskDel(name)
  mailboxes[name] = nil
end

--- Puts {p1, p2, p3, p4} into a task's mailbox. Returns false when there is no such task.
function sys.sendMsg(name, p1, p2, p3, p4)
  local box = mailboxes[name]
  if not box then
    return false
  end
  box.queue[#box.queue + 1] = { p1, p2, p3, p4 }
  sys.publish(name)
  return true
end

--- Empties a task's mailbox.
function sys.cleanMsg(name)
  local box = mailboxes[name]
  if not box then
    return false
  end
  box.queue = {}
  return true
end

local function takeMessage(box, target)
  while #box.queue > 0 do
    local msg = table_remove(box.queue, 1)
    if target == nil or msg[1] == target then
      return msg
    end
    if type(box.cb) == "function" then
      box.cb(msg)
    end
  end
end

local function mailTimeout(name)
  local box = mailboxes[name]
  if box then
    box.timedOut = true
    sys.publish(name)
  end
end

--- Waits in a task for a mailbox message (whose first field is `target`, when given), at most
--- `ms` (forever when nil or 0). Returns the message table or false.
function sys.waitMsg(name, target, ms)
  local co = currentTask("sys.waitMsg")
  local box = mailboxes[name]
  if not box then
    log.error("sys", "sys.waitMsg: no task mailbox '" .. tostring(name) .. "' (start it with sys.taskInitEx)")
    return false
  end
  local msg = takeMessage(box, target)
  if msg then
    return msg
  end
  box.timedOut = false
  sys.subscribe(name, co)
  if ms and ms ~= 0 then
    sys.timerStart(mailTimeout, ms, name)
  end
  repeat
    co_yield()
    msg = takeMessage(box, target)
  until msg or box.timedOut
  sys.unsubscribe(name, co)
  sys.timerStop(mailTimeout, name)
  return msg or false
end

local function onTimer(id)
  local target = timerPool[id]
  if target == nil then
    return -- stopped while its expiry message was queued
  end
  if id <= TASK_TIMER_ID_MAX then
    timerPool[id] = nil
    if waitingOn[target] == id then
      waitingOn[target] = nil
      resume(target)
    end
    return
  end
  local args = timerArgs[id]
  if not loopTimers[id] then
    forget(id)
  end
  if args then
    target(unpack(args, 1, args.n))
  else
    target()
  end
end

local function handle(msg, a, ...)
  if msg == rtos.MSG_TIMER then
    onTimer(a)
  elseif msg == rtos.MSG_PUBLISH then
    sys.publish(a, ...)
  end
end

--- The event loop: dispatch published messages, then block on the rtos queue. Never returns.
function sys.run()
  while true do
    dispatch()
    handle(rtos.receive(rtos.INF_TIMEOUT))
  end
end

return sys
