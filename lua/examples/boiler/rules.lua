-- Boiler rules, version 1 (the seed's example): alert when the temperature passes the
-- configured threshold. Telegram is only there when the build has it; fall back to MQTT.
RULES_VERSION = 1
local prefix = Config.get("mqtt.prefix") or "device"

EventBus.subscribe("sensor.temperature", function(data)
  if data.value > Config.get("alerts.overtemp_threshold") then
    Log.warn("overtemp: " .. data.value)
    if Telegram then
      Telegram.broadcast("Boiler overtemp: " .. data.value .. " C")
    else
      MQTT.publish(prefix .. "/alert", "overtemp " .. data.value)
    end
  end
end)
