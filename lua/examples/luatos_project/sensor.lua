-- A module of the LuatOS project: a fake temperature sensor read over a hex-encoded frame.
local sensor = {}
local count = 0

function sensor.read()
    count = count + 1
    local frame = string.fromHex("0A" .. string.format("%02X", 200 + count))
    local raw = frame:byte(2)
    return { n = count, temp = raw / 10 }
end

return sensor
