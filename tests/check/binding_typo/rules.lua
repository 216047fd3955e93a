-- Candidate boiler rules with a typo in a binding name (`Telegram.brodcast`): alert above the
-- configured threshold, by Telegram when the build has it and by MQTT otherwise.
local prefix = Config.get("mqtt.prefix") or "device"

EventBus.subscribe("sensor.temperature", function(data)
  local threshold = Config.get("alerts.overtemp_threshold") or 80
  if data.value > threshold then
    Log.warn("overtemp: " .. data.value)
    if Telegram then
      Telegram.brodcast("Boiler overtemp: " .. data.value .. " C")
    else
      MQTT.publish(prefix .. "/alert", "overtemp " .. data.value)
    end
  end
end)
