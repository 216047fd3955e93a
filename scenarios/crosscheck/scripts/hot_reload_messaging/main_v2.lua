-- main.lua after the write step: no sys.run, so the firmware's Lua task runs the callbacks.
Log.info("main_v2 after a " .. Node.wakeCause() .. ", prefix " .. tostring(Config.get("mqtt.prefix")) .. ", temp " .. Config.get("limits.temp"))
Log.info("config " .. JSON.encode(Config.get("limits")) .. " " .. JSON.encode(Config.get("new")))
EventBus.subscribe("sensor.temperature", function(d)
  Log.info("v2 temperature " .. d.value)
  if d.value > 95 then error("too hot: " .. d.value) end
end)
MQTT.subscribe("#", function(topic, payload) Log.info("v2 any " .. topic .. " " .. payload) end)
Node.setTimeout(0, function() Log.info("v2 timeout 0") end)
Node.setTimeout(300, function() Log.info("v2 timeout 300") end)
local t = { 1, 2, 3 }
t[5] = 5
Log.info(tostring(JSON.encode(t)) .. " " .. tostring(JSON.encode({ [1.5] = true, [2] = false, ["2"] = "s" })))
Log.info(tostring(select(2, JSON.encode({ f = print }))) .. " " .. tostring(select(2, JSON.encode(0 / 0 ~= 0 / 0 and 1 / 0))))
local deep = {}
local cur = deep
for _ = 1, 120 do cur.x = {}; cur = cur.x end
Log.info(tostring(select(2, JSON.encode(deep))))
Log.info(JSON.encode({ 0.1, 1e15, 1e16, 123456.789, 5e-324, 1.7976931348623157e308, -0.0, 2 ^ 53, 1 / 3, 100, -7 }))
Log.info(JSON.encode({}) .. JSON.encode("ctl\1\31\127") .. JSON.encode({ a = {}, b = { {} } }))
