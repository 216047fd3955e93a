-- What a script can see of how its Lua was built: `pairs()` order over 40 string keys (the
-- string-hash seed), the depth at which nested pcalls overflow the C stack (LUAI_MAXCCALLS) and
-- where table.sort leaves equal elements of a 300-element array (the sort pivot).
-- Run by luasim's start-up self-check (which defines `report`) and, as a scenario, on the
-- simulator and on the QEMU firmware (scenarios/crosscheck/device_lua_build.yaml).
local report = report or function(name, value) Log.info(name .. ": " .. value) end

local t = {}
for i = 1, 40 do t["k" .. i] = i end
local order = {}
for k in pairs(t) do order[#order + 1] = k end
report("pairs", table.concat(order, ","))

local depth = 0
local function dive() depth = depth + 1; pcall(dive) end
dive()
report("pcall depth", tostring(depth))

local items = {}
for i = 1, 300 do items[i] = { key = i % 7, tag = i } end
table.sort(items, function(a, b) return a.key < b.key end)
local tags = {}
for i = 1, #items, 10 do tags[#tags + 1] = items[i].tag end
report("sort", table.concat(tags, ","))
