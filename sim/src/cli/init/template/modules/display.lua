-- The display module's behaviour for luasim: it runs in a Lua state of its own on the
-- firmware's side (as the module's C does), keeps its state across calls and reloads, and is
-- reset at every boot. `firmware.log` writes a trace line tagged `Display`.
local COLUMNS = 16
local shown = nil

local M = {}

function M.draw(text)
  shown = text:sub(1, COLUMNS)
  firmware.log("shows " .. shown)
  return #text <= COLUMNS
end

function M.clear()
  shown = nil
end

function M.shown()
  return shown
end

return M
