-- Candidate boiler rules with a misspelled config key: `overtemp_treshold` is in no scenario's
-- config, so the threshold is always the default 80. Otherwise as good/rules.lua: alerts by
-- Telegram when the build has it and by MQTT otherwise.
local prefix = Config.get("mqtt.prefix") or "device"

EventBus.subscribe("sensor.temperature", function(data)
  local threshold = Config.get("alerts.overtemp_treshold") or 80
  if data.value > threshold then
    Log.warn("overtemp: " .. data.value)
    if Telegram then
      Telegram.broadcast("Boiler overtemp: " .. data.value .. " C")
    else
      MQTT.publish(prefix .. "/alert", "overtemp " .. data.value)
    end
  end
end)
