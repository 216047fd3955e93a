-- prelude.lua: script loading for a fresh device Lua state, run before sys.lua.
-- Loaded unchanged by the simulator and the firmware. It replaces Lua's file functions with
-- ones that read the device's flash file system only, and keeps `load` to text chunks.
--
-- Arguments from the host (none of them is a raw standard function, so no upvalue of the
-- functions below leads out of the sandbox; docs/security.md):
--   native_load(path [, env]) -> chunk | nil, message, missing
--       compiles a file from the device file system through the 256-byte reader;
--   traceback: debug.traceback;
--   text_load(chunk [, name [, env]]): Lua's load in text mode (env used when given).
-- Returns run_script(path) -> ok, error_with_traceback, used by the boot sequence, and
-- call_protected(fn, ...) -> ok, error_with_traceback | results, used for firmware callbacks.
-- Every global used here is captured now, so a script that removes or replaces one (`xpcall`,
-- `select`, `string.gsub`...) cannot break loading or the firmware's callbacks.

local native_load, traceback, text_load = ...
local type, error, select, xpcall = type, error, select, xpcall
local string_sub, string_gsub = string.sub, string.gsub

function loadfile(path, mode, env)
  if type(path) ~= "string" then
    return nil, "loadfile: a device path is required (there is no stdin)"
  end
  local chunk, message = native_load(path, env)
  return chunk, message
end

function dofile(path)
  if type(path) ~= "string" then
    error("dofile: a device path is required (there is no stdin)", 2)
  end
  local chunk, message = native_load(path)
  if not chunk then
    error(message, 2)
  end
  return chunk()
end

-- `mode` is ignored: always text. `env`, when given (even nil), becomes the chunk's _ENV.
function load(chunk, name, mode, ...)
  if type(chunk) == "string" and string_sub(chunk, 1, 1) == "\27" then
    return nil, "attempt to load a binary chunk (the device loads source text only)"
  end
  if select("#", ...) > 0 then
    return text_load(chunk, name, (...))
  end
  return text_load(chunk, name)
end

local loaded, preload = package.loaded, package.preload

function require(name)
  if type(name) ~= "string" then
    error("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")", 2)
  end
  local value = loaded[name]
  if value then
    return value
  end
  local loader, path = preload[name], nil
  if not loader then
    path = "/scripts/" .. string_gsub(name, "%.", "/") .. ".lua"
    local message, missing
    loader, message, missing = native_load(path)
    if not loader and missing then
      error("module '" .. name .. "' not found: no file " .. path .. " on the device", 2)
    elseif not loader then
      error("error loading module '" .. name .. "':\n\t" .. message, 2)
    end
  end
  local result = loader(name, path)
  if result ~= nil then
    loaded[name] = result
  elseif loaded[name] == nil then
    loaded[name] = true
  end
  return loaded[name], path
end

-- Adds a traceback to string errors; other error values (and the host's halt signal) pass
-- unchanged, like lua.c's message handler.
local function with_traceback(message)
  if type(message) ~= "string" then
    return message
  end
  return traceback(message, 2)
end

local function run_script(path)
  local chunk, message = native_load(path)
  if not chunk then
    return false, message
  end
  return xpcall(chunk, with_traceback)
end

local function call_protected(fn, ...)
  return xpcall(fn, with_traceback, ...)
end

return run_script, call_protected
