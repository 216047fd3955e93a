-- Candidate rules with a misspelled config key: `overtemp_treshold` is in no scenario's config,
-- so the threshold is always the default 80.
EventBus.subscribe("sensor.temperature", function(data)
  if data.value > (Config.get("alerts.overtemp_treshold") or 80) then
    Log.warn("overtemp: " .. data.value)
  end
end)
