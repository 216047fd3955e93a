-- Candidate boiler rules (the good ones); main.lua beside them also loads this file, so the
-- overtemp rule is registered twice and fires twice for every reading.
local prefix = Config.get("mqtt.prefix") or "device"

EventBus.subscribe("sensor.temperature", function(data)
  local threshold = Config.get("alerts.overtemp_threshold") or 80
  if data.value > threshold then
    Log.warn("overtemp: " .. data.value)
    if Telegram then
      Telegram.broadcast("Boiler overtemp: " .. data.value .. " C")
    else
      MQTT.publish(prefix .. "/alert", "overtemp " .. data.value)
    end
  end
end)
