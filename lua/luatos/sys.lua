-- sys.lua of the `luatos` build: LuatOS's task, timer and message framework with LuatOS's own
-- semantics, so LuatOS projects run unchanged. Written for luasim from the behaviour of LuatOS's
-- script/corelib/sys.lua (openLuat/LuatOS) and its documentation; see docs/luatos.md.
-- It is loaded as both `sys` and `sysplus` (LuatOS merged the two); the firmware-shim does not
-- load it (the LuaSys-style builds use lua/sys.lua).
--
-- What LuatOS does and this file does too:
--   * COROUTINE_ERROR_ROLL_BACK and COROUTINE_ERROR_RESTART default to true: a task error is
--     logged with the tag `coroutine.resume` (message, CRLF, the task's traceback) and 500 ms
--     later raised again from the main loop (`assert(false, message)`), which ends the Lua VM;
--     with ROLL_BACK false and RESTART true the device reboots at once;
--   * waiting (sys.wait, waitUntil...) is refused only on the main thread, with
--     "attempt to yield from outside a coroutine";
--   * sys.wait(0) and timers of 0 ms return without waiting (rtos refuses the timer);
--   * sys.timerStop(fn, ...) stops the first matching timer only, timerStopAll all of them;
--   * sys.timerIsActive(id) returns what the timer wakes (truthy), not `true`;
--   * sys.waitMsg returns nil on timeout, false without a mailbox;
--   * message arguments are counted with `#`, so trailing nils are dropped;
--   * a subscriber is called for a message that was dispatched while it was subscribed, even if
--     an earlier subscriber of the same message unsubscribed it.
-- Where LuatOS's order is a hash order (pairs over functions and timer ids), this file uses one
-- that is the same on every run: subscribers in the order they subscribed, timers by id.

local rtos, log = rtos, log
local co_create, co_resume, co_yield, co_running = coroutine.create, coroutine.resume, coroutine.yield, coroutine.running
local traceback, unpack, table_sort, table_remove = debug.traceback, table.unpack or unpack, table.sort, table.remove
local type, error, assert, pairs, ipairs, setmetatable, rawget = type, error, assert, pairs, ipairs, setmetatable, rawget

local sys = {}

SCRIPT_LIB_VER = "2.3.2"
COROUTINE_ERROR_ROLL_BACK = true
COROUTINE_ERROR_RESTART = true

local TASK_TIMER_ID_MAX = 0x1FFFFF
local MSG_TIMER_ID_MAX = 0x7FFFFF
local lastTaskTimer = 0
local lastMsgTimer = TASK_TIMER_ID_MAX
local timerPool = {} -- timer id -> task (thread) waiting in sys.wait, or callback (function)
local timerArgs = {} -- timer id -> { callback arguments }

-- What sys.coresume does with the results of coroutine.resume(co, ...).
local function afterResume(co, ok, ...)
  if not ok then
    local err = ...
    local trace = traceback(co)
    if trace and trace ~= "" then
      err = err .. "\r\n" .. trace
    end
    log.error("coroutine.resume", err)
    if COROUTINE_ERROR_ROLL_BACK then
      sys.timerStart(assert, 500, false, err)
    elseif COROUTINE_ERROR_RESTART then
      rtos.reboot()
    end
  end
  return ok, ...
end

--- coroutine.resume(co, ...), with LuatOS's handling of a task error.
function sys.coresume(co, ...)
  return afterResume(co, co_resume(co, ...))
end

--- The running coroutine; an error on the main thread.
function sys.check_task()
  local co, isMain = co_running()
  if isMain then
    error(traceback("attempt to yield from outside a coroutine"))
  end
  return co
end

--- Suspends the calling task for `ms`; returns what woke it early (waitUntil), else nothing.
function sys.wait(ms)
  local co = sys.check_task()
  repeat
    if lastTaskTimer >= TASK_TIMER_ID_MAX - 1 then
      lastTaskTimer = 0
    else
      lastTaskTimer = lastTaskTimer + 1
    end
  until timerPool[lastTaskTimer] == nil
  local id = lastTaskTimer
  timerPool[id] = co
  if rtos.timer_start(id, ms) ~= 1 then
    log.debug("rtos.timer_start error")
    return
  end
  local message = { co_yield() }
  if #message ~= 0 then
    rtos.timer_stop(id)
    timerPool[id] = nil
    return unpack(message)
  end
end

--- Waits in a task for a message on `id`, at most `ms` (forever without). true, args... or false.
function sys.waitUntil(id, ms)
  local co = sys.check_task()
  sys.subscribe(id, co)
  local message = ms and { sys.wait(ms) } or { co_yield() }
  sys.unsubscribe(id, co)
  return message[1] ~= nil, unpack(message, 2, #message)
end

--- Waits in a task for a message on `id`, forever; returns its arguments.
function sys.waitUntilMsg(id)
  local co = sys.check_task()
  sys.subscribe(id, co)
  local message = { co_yield() }
  sys.unsubscribe(id, co)
  return unpack(message, 2, #message)
end

--- Like waitUntil, but returns the whole message (id, args...) or false.
function sys.waitUntilExt(id, ms)
  local co = sys.check_task()
  sys.subscribe(id, co)
  local message = ms and { sys.wait(ms) } or { co_yield() }
  sys.unsubscribe(id, co)
  if message[1] ~= nil then
    return unpack(message)
  end
  return false
end

--- Starts `fn(...)` as a task, runs it to its first wait, returns the coroutine.
function sys.taskInit(fn, ...)
  local co = co_create(fn)
  sys.coresume(co, ...)
  return co
end

-- Whether the arguments `given` equal those a timer was started with (`kept`, nil for none).
local function sameArgs(given, kept)
  if not kept then
    return #given == 0
  end
  if #given ~= #kept then
    return false
  end
  for i = 1, #given do
    if given[i] ~= kept[i] then
      return false
    end
  end
  return true
end

-- Ids of the callback timers of `fn`, in increasing order.
local function timersOf(fn)
  local ids = {}
  for id, target in pairs(timerPool) do
    if target == fn then
      ids[#ids + 1] = id
    end
  end
  table_sort(ids)
  return ids
end

--- Stops a timer by id, or the first timer of `fn` started with these arguments.
function sys.timerStop(val, ...)
  if type(val) == "number" then
    timerPool[val], timerArgs[val] = nil, nil
    rtos.timer_stop(val)
    return
  end
  local given = { ... }
  for _, id in ipairs(timersOf(val)) do
    if sameArgs(given, timerArgs[id]) then
      rtos.timer_stop(id)
      timerPool[id], timerArgs[id] = nil, nil
      return
    end
  end
end

--- Stops every timer of `fn`, whatever its arguments.
function sys.timerStopAll(fn)
  for _, id in ipairs(timersOf(fn)) do
    rtos.timer_stop(id)
    timerPool[id], timerArgs[id] = nil, nil
  end
end

--- Starts a callback timer: `fn(...)` after `ms`, `repeats` more times (-1: forever).
--- A timer with the same function and arguments is stopped first. Returns the timer id.
function sys.timerAdvStart(fn, ms, repeats, ...)
  local args = { ... }
  sys.timerStop(fn, ...)
  repeat
    if lastMsgTimer >= MSG_TIMER_ID_MAX then
      lastMsgTimer = TASK_TIMER_ID_MAX
    end
    lastMsgTimer = lastMsgTimer + 1
  until timerPool[lastMsgTimer] == nil
  local id = lastMsgTimer
  timerPool[id] = fn
  if rtos.timer_start(id, ms, repeats) ~= 1 then
    log.error("rtos.timer_start", "create fail!!!")
    return
  end
  if #args ~= 0 then
    timerArgs[id] = args
  end
  return id
end

function sys.timerStart(fn, ms, ...)
  return sys.timerAdvStart(fn, ms, 0, ...)
end

function sys.timerLoopStart(fn, ms, ...)
  return sys.timerAdvStart(fn, ms, -1, ...)
end

--- By id: what the timer wakes (nil when stopped). By function and arguments: true or nil.
function sys.timerIsActive(val, ...)
  if type(val) == "number" then
    return timerPool[val]
  end
  local given = { ... }
  for _, id in ipairs(timersOf(val)) do
    if sameArgs(given, timerArgs[id]) then
      return true
    end
  end
end

local subscribers = {} -- message id -> { list = {callbacks, in order}, set = {callback -> true} }
local queue, queueHead, queueTail = {}, 1, 0 -- published messages, first in first out

--- Calls `callback` (a function, or a task in waitUntil) for each message `id` (or each id of
--- a table of ids).
function sys.subscribe(id, callback)
  if type(id) == "table" then
    for _, each in pairs(id) do
      sys.subscribe(each, callback)
    end
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
  if type(id) == "table" then
    for _, each in pairs(id) do
      sys.unsubscribe(each, callback)
    end
    return
  end
  local subs = subscribers[id]
  if not subs then
    return
  end
  if subs.set[callback] then
    subs.set[callback] = nil
    for i, cb in ipairs(subs.list) do
      if cb == callback then
        table_remove(subs.list, i)
        break
      end
    end
  end
  if #subs.list == 0 then
    subscribers[id] = nil
  end
end

--- Queues a message; subscribers run at the next dispatch.
function sys.publish(...)
  queueTail = queueTail + 1
  queue[queueTail] = { ... }
end

local function dispatch()
  while queueHead <= queueTail do
    local message = queue[queueHead]
    queue[queueHead] = nil
    queueHead = queueHead + 1
    local subs = subscribers[message[1]]
    if subs then
      for _, callback in ipairs({ unpack(subs.list) }) do
        if type(callback) == "function" then
          callback(unpack(message, 2, #message))
        elseif type(callback) == "thread" then
          sys.coresume(callback, unpack(message))
        end
      end
    end
  end
  queue, queueHead, queueTail = {}, 1, 0
end

-- A timer message: wake the task in sys.wait, or call the callback (forgotten unless it
-- repeats: `left` is what rtos says is left of its repeats).
local function onTimer(id, left)
  local target = timerPool[id]
  if id < TASK_TIMER_ID_MAX then
    timerPool[id] = nil
    sys.coresume(target)
    return
  end
  if left == 0 then
    timerPool[id] = nil
  end
  local args = timerArgs[id]
  if args ~= nil then
    target(unpack(args))
    if left == 0 then
      timerArgs[id] = nil
    end
  else
    target()
  end
end

local function handle(msg, param, extra, ...)
  if msg == rtos.MSG_TIMER and timerPool[param] then
    onTimer(param, extra)
  elseif msg == rtos.MSG_PUBLISH then
    -- a message the firmware posted (as LuatOS's C code calls sys_pub)
    sys.publish(param, extra, ...)
  end
end

--- One turn of the main loop: dispatch the queued messages, then take one rtos message.
function sys.safeRun()
  dispatch()
  handle(rtos.receive(rtos.INF_TIMEOUT))
end

if SYSP then
  function sys.run() end
else
  function sys.run()
    while true do
      sys.safeRun()
    end
  end
end

sys_pub = sys.publish

-- For LuatOS's asynchronous C functions: sys_cw(id, ...) returns an object whose `wait()`
-- waits in the task for message `id` (or returns the given values at once) and whose
-- `cb(f)` calls `f` with them in a new task.
sys.cwaitMt = {
  wait = function(id, ready)
    return function()
      if type(ready) == "table" then
        return unpack(ready)
      end
      return sys.waitUntilMsg(id)
    end
  end,
  cb = function(id, ready)
    return function(f)
      if type(f) ~= "function" then
        return
      end
      sys.taskInit(function()
        if type(ready) == "table" then
          f(unpack(ready))
          return
        end
        f(sys.waitUntilMsg(id))
      end)
    end
  end,
}
sys.cwaitMt.__index = function(t, key)
  local make = sys.cwaitMt[key]
  if make then
    return make(rawget(t, "w"), rawget(t, "r"))
  end
end

function sys_cw(id, ...)
  local ready = { ... }
  return setmetatable({ w = id, r = #ready > 0 and ready or nil }, sys.cwaitMt)
end

-- Task mailboxes (taskInitEx family): name -> { queue = {messages}, timedOut = bool, cb = fn }
local mailboxes = {}

function sys.taskInitEx(fn, name, cb, ...)
  if name == nil then
    log.error("sys", "taskName is nil", traceback())
    return
  end
  mailboxes[name] = { queue = {}, timedOut = false, cb = cb }
  return sys.taskInit(fn, ...)
end

function sys.taskDel(name)
  mailboxes[name] = nil
end

local function mailTimeout(name)
  mailboxes[name].timedOut = true
  sys.publish(name)
end

-- Takes messages off the mailbox until one is for `target` (any when nil); the others go to
-- the mailbox's callback, if any. Returns it, or nil when the mailbox ran empty.
local function take(box, target)
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

--- Waits in a task for a message of its mailbox (whose first value is `target`, when given),
--- at most `ms` (forever when nil or 0). The message table, nil on timeout, false without a
--- mailbox.
function sys.waitMsg(name, target, ms)
  local box = mailboxes[name]
  if box == nil then
    log.error("sys", "sys.taskInitEx启动的task才能使用waitMsg")
    return false
  end
  local msg = take(box, target)
  if msg then
    return msg
  end
  sys.subscribe(name, co_running())
  sys.timerStop(mailTimeout, name)
  if ms and ms ~= 0 then
    sys.timerStart(mailTimeout, ms, name)
  end
  box.timedOut = false
  repeat
    co_yield()
    if #box.queue > 0 then
      local first = table_remove(box.queue, 1)
      if target == nil or first[1] == target then
        msg = first
      elseif type(box.cb) == "function" then
        box.cb(first)
      end
    end
  until msg or box.timedOut
  if box.timedOut then
    msg = nil
  end
  box.timedOut = false
  sys.timerStop(mailTimeout, name)
  sys.unsubscribe(name, co_running())
  return msg
end

--- Puts { p1, p2, p3, p4 } in a task's mailbox; false when there is no such mailbox.
function sys.sendMsg(name, p1, p2, p3, p4)
  local box = mailboxes[name]
  if box == nil then
    return false
  end
  box.queue[#box.queue + 1] = { p1, p2, p3, p4 }
  sys.publish(name)
  return true
end

function sys.cleanMsg(name)
  local box = mailboxes[name]
  if box == nil then
    return false
  end
  box.queue = {}
  return true
end

--- Gives `msg` to the mailbox callback of task `name`.
function sys.taskCB(name, msg)
  local box = mailboxes[name]
  if box and type(box.cb) == "function" then
    box.cb(msg)
    return
  end
  log.error(name, "no cb fun")
end

sys_send = sys.sendMsg
sys_wait = sys.waitMsg

return sys
