-- Boiler controller, setup part (the seed's /scripts/main.lua): runs at boot and again after
-- every reload. Registers the MQTT command handler and a heartbeat; the policy is in rules.lua.
local prefix = Config.get("mqtt.prefix") or "device"

Log.info("boiler up, ip " .. tostring(Node.ip()))

MQTT.subscribe(prefix .. "/cmd/ping", function(topic, payload)
  MQTT.publish(prefix .. "/pong", payload)
end)

-- Report the firmware's view of the boiler once a minute.
local function heartbeat()
  MQTT.publish(prefix .. "/status", JSON.encode({ uptime_ms = Node.uptime(), rules = RULES_VERSION }))
  Node.setTimeout(60000, heartbeat)
end
Node.setTimeout(60000, heartbeat)
