-- Decisions: what the display shows and when to raise the alarm. The firmware runs this file
-- after main.lua; it ends with sys.run(), the loop that delivers sys messages, so that call
-- stays the last line.
local limit = Config.get("alarm.above") or 30

sys.subscribe("TEMPERATURE", function(celsius)
  Display.draw(string.format("%.1f C", celsius))
  if celsius > limit then
    MQTT.publish("demo/alarm", tostring(celsius))
  end
end)

sys.run()
