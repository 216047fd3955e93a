-- Candidate boiler setup that "makes sure the rules are loaded" by running rules.lua itself.
-- The firmware runs /scripts/rules.lua after main.lua anyway, so every rule registers twice.
local prefix = Config.get("mqtt.prefix") or "device"

Log.info("boiler up, ip " .. tostring(Node.ip()))

MQTT.subscribe(prefix .. "/cmd/ping", function(topic, payload)
  MQTT.publish(prefix .. "/pong", payload)
end)

dofile("/scripts/rules.lua")
