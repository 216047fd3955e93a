-- Candidate boiler rules written on an ESP32-S3 with Telegram: they call `Telegram` without
-- checking it is there, which fails on a build without the telegram module (plain esp32).
EventBus.subscribe("sensor.temperature", function(data)
  local threshold = Config.get("alerts.overtemp_threshold") or 80
  if data.value > threshold then
    Log.warn("overtemp: " .. data.value)
    Telegram.broadcast("Boiler overtemp: " .. data.value .. " C")
  end
end)
