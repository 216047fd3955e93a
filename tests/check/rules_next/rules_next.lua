-- The next version of the boiler rules, kept beside the deployed one under another name:
-- `luasim check rules_next.lua --as /scripts/rules.lua` checks it where it will go.
RULES_VERSION = 3 -- luasim: allow(global-leak) main.lua reports the version in its heartbeat
local prefix = Config.get("mqtt.prefix") or "device"

EventBus.subscribe("sensor.temperature", function(data)
  if data.value > (Config.get("alerts.overtemp_threshold") or 80) then
    Log.warn("overtemp: " .. data.value)
    MQTT.publish(prefix .. "/alert", "overtemp " .. data.value)
  end
end)
