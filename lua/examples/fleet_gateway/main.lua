-- The gateway of the fleet_sensor_gateway scenario: always awake, hears every sensor's readings
-- through the broker (fleet/+/temp), publishes an aggregate every five readings and an alert
-- when a sensor's reading goes above the threshold (once per crossing). The threshold is the
-- broker's retained fleet/config/threshold, or the configuration's until it arrives.
local threshold = Config.get("gateway.threshold")
local count, sum, max = 0, 0, nil
local above = {}

-- The broker sends the retained threshold again at every subscription (after a reload too):
-- only a change is news.
MQTT.subscribe("fleet/config/threshold", function(_, payload)
  local new = tonumber(payload)
  if new ~= threshold then
    threshold = new
    log.info("gateway", "threshold", threshold)
  end
end)

MQTT.subscribe("fleet/+/temp", function(topic, payload)
  local sensor = string.match(topic, "^fleet/([^/]+)/temp$")
  local value = tonumber(payload)
  count, sum = count + 1, sum + value
  if not max or value > max then
    max = value
  end
  if count % 5 == 0 then
    MQTT.publish("fleet/gateway/summary", string.format("n=%d mean=%.2f max=%.1f", count, sum / count, max))
  end
  local hot = value > threshold
  if hot and not above[sensor] then
    MQTT.publish("fleet/alert", sensor .. " " .. payload)
    log.warn("gateway", "alert", sensor, payload, "above", threshold)
  end
  above[sensor] = hot
end)
