-- A second script, required by main.lua: the image names its prototypes too, and an OTA of it
-- (the scenario's write step) makes the image stale.
local M = {}
local calls = 0

function M.reading(n)
  calls = calls + 1
  return (n * 37 + calls) % 100
end

return M
