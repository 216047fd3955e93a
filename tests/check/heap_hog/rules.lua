-- Candidate boiler rules that precompute a message for every possible reading at load: about
-- 600 KB of strings. That fits the 2 MB Lua heap of an ESP32-S3 with PSRAM, not the 128 KB of a
-- plain esp32.
local messages = {}
for tenth = 0, 12000 do
  messages[tenth] = string.format("Boiler reading %.1f C (threshold check pending)", tenth / 10)
end

EventBus.subscribe("sensor.temperature", function(data)
  Log.info(messages[math.floor(data.value * 10)] or "reading out of range")
end)
