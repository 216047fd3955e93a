-- Candidate boiler rules that keep every reading in the sleep region, so the history survives
-- deep sleep. Nothing ever trims it: after a few hundred readings `RTC.set` needs more than the
-- 16 KB region has and fails.
local history = RTC.get("history") or {}

EventBus.subscribe("sensor.temperature", function(data)
  history[#history + 1] = { t = os.time(), value = data.value, unit = "C", source = "sensor.temperature" }
  RTC.set("history", history)
end)
