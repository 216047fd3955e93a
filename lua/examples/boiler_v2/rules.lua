-- Boiler rules, version 2: a lower fixed threshold and a warning before the alert.
RULES_VERSION = 2
local prefix = Config.get("mqtt.prefix") or "device"
local LIMIT = 70

EventBus.subscribe("sensor.temperature", function(data)
  if data.value > LIMIT then
    Log.warn("overtemp v2: " .. data.value)
    if Telegram then
      Telegram.broadcast("Boiler v2 overtemp: " .. data.value .. " C")
    else
      MQTT.publish(prefix .. "/alert", "v2 overtemp " .. data.value)
    end
  end
end)
