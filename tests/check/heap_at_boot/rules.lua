-- A lookup table built at boot that outgrows the Lua heap of every build.
local lookup = {}
for i = 1, 2000000 do
  lookup[i] = { id = i, name = "entry " .. i }
end
Log.info("lookup ready: " .. #lookup)
