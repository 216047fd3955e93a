-- Setup: the firmware runs this file at boot and after every reload. It registers what the
-- firmware calls back; the decisions are in rules.lua, which the firmware runs next.
Display.clear()

-- The firmware's temperature sensor raises `sensor.temperature` events; hand each reading to
-- the rules as a sys message.
EventBus.subscribe("sensor.temperature", function(data)
  sys.publish("TEMPERATURE", data.value)
end)
