-- A boot script whose main chunk never returns: the firmware's task watchdog resets the device
-- before anything else runs. `luasim check` must say "not ready" at the loop's line.
local n = 0
while true do n = n + 1 end
