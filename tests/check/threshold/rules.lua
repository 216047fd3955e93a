-- Candidate boiler rules with a higher, fixed threshold (88 C instead of the configured 80 C):
-- `luasim check --against lua/examples/boiler` shows the alert at 85 C disappearing.
local prefix = Config.get("mqtt.prefix") or "device"
local THRESHOLD = 88

EventBus.subscribe("sensor.temperature", function(data)
  if data.value > THRESHOLD then
    Log.warn("overtemp: " .. data.value)
    if Telegram then
      Telegram.broadcast("Boiler overtemp: " .. data.value .. " C")
    else
      MQTT.publish(prefix .. "/alert", "overtemp " .. data.value)
    end
  end
end)
