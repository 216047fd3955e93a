-- hot_reload_messaging: the setup part, run at every generation. MQTT with wildcards, a
-- setTimeout that outlives its generation, a sys task beside the firmware callbacks, and the
-- argument errors both sides must word the same.
local prefix = Config.get("mqtt.prefix")
local gen = (GEN_SEEN or 0) + 1
GEN_SEEN = gen
Log.info("main.lua, generation seen by Lua: " .. gen .. ", wake cause " .. Node.wakeCause())

MQTT.subscribe(prefix .. "/cmd/+", function(topic, payload)
  local cmd, err = JSON.decode(payload)
  if not cmd then
    MQTT.publish(prefix .. "/error", err)
    return
  end
  MQTT.publish(prefix .. "/ack", JSON.encode({ topic = topic, cmd = cmd, n = 1.0, big = 1e21, small = 1.5e-7 }))
end)
MQTT.subscribe(prefix .. "/#", function(topic) Log.info("any " .. topic) end)

Node.setTimeout(1500, function() Log.info("timeout of main.lua ran") end)

for _, bad in ipairs({
  function() MQTT.publish("a/+", "x") end,
  function() MQTT.subscribe("a/#/b", print) end,
  function() MQTT.subscribe("a") end,
  function() EventBus.subscribe(nil, print) end,
  function() Node.setTimeout(-1, print) end,
  function() Node.setTimeout(1.5, print) end,
  function() JSON.encode() end,
  function() Config.get({}) end,
}) do
  local ok, err = pcall(bad)
  Log.info("error: " .. tostring(err))
end

sys.taskInit(function()
  while true do
    local _, value = sys.waitUntil("TICK", 1000)
    Log.info("task woke with " .. tostring(value))
  end
end)
sys.run()
