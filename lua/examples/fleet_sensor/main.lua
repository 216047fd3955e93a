-- A sensor node of the fleet_sensor_gateway scenario: wakes from deep sleep every minute,
-- reads its temperature (a slow warming, counted in the sleep region), publishes the reading on
-- fleet/<id>/temp and goes back to deep sleep.
local id = Config.get("sensor.id")
local wakes = (RTC.get("wakes") or 0) + 1
RTC.set("wakes", wakes)
local celsius = Config.get("sensor.base") + wakes * Config.get("sensor.step")
local reading = string.format("%.1f", celsius)
MQTT.publish("fleet/" .. id .. "/temp", reading)
log.info("sensor", id, "wake", wakes, "reads", reading)
Node.deepSleep(60000)
