-- A Watchy-style smartwatch (the seed's device): wake once a minute from deep sleep, count the
-- wakes and keep the last ten readings in the 16 KB sleep region, redraw, sleep again.
-- Main RAM is lost in deep sleep: everything that must survive lives in RTC.
local status = RTC.status()
if status ~= "ok" then
  -- first power-on, a brownout or power loss (region empty), or a torn write (corrupt)
  log.warn("watch", "sleep region " .. status .. " after " .. Node.wakeCause() .. ", starting over")
  RTC.clear()
end

local wakes = (RTC.get("wakes") or 0) + 1
RTC.set("wakes", wakes)

local history = RTC.get("history") or {}
history[#history + 1] = (wakes * 37) % 100   -- a pretend step count for this minute
if #history > 10 then
  table.remove(history, 1)
end
RTC.set("history", history)

if wakes % 1440 == 0 then
  log.info("watch", "day", wakes // 1440, "wakes", wakes, "region", RTC.used(), "bytes")
end

-- Sleep so that wakes stay exactly one minute apart, whatever the boot took.
Node.deepSleep(60000 - Node.uptime())
