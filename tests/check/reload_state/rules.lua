-- Candidate boiler rules that count their own loads in the sleep region and report the count
-- with every alert. A hot reload reruns them, so after two reloads every alert says "load 3"
-- where a fresh boot says "load 1": the behaviour depends on how often the rules were reloaded.
local loads = (RTC.get("loads") or 0) + 1
RTC.set("loads", loads)

EventBus.subscribe("sensor.temperature", function(data)
  if data.value > (Config.get("alerts.overtemp_threshold") or 80) then
    MQTT.publish("boiler1/alert", "overtemp " .. data.value .. " (load " .. loads .. ")")
  end
end)
