-- A geofence rule that uses GNSS without a guard. Its scenario runs on an esp32c3, a build
-- without the GNSS module: the first temperature event reaches the use and fails there.
local prefix = Config.get("mqtt.prefix") or "device"

EventBus.subscribe("sensor.temperature", function(data)
  local fix = GNSS.lastFix()
  MQTT.publish(prefix .. "/temperature", data.value .. " at " .. tostring(fix and fix.lat))
end)
