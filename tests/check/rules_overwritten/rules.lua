-- Candidate rules with a critical alarm whose limit the configuration does not have: it fails
-- only for a reading above 95, which the scenario plays after it has written another rules.lua.
EventBus.subscribe("sensor.temperature", function(data)
  if data.value > 95 then
    local limits = Config.get("limits")
    Log.warn("critical: " .. data.value .. " over " .. limits.critical)
  end
end)
