-- A history that is never trimmed: every wake appends a 100-byte record to the sleep region
-- until the 16 KB budget runs out, and the write fails with a clear error.
local history = RTC.get("history") or {}
history[#history + 1] = string.rep("x", 100)
RTC.set("history", history)
log.info("log", "records", #history, "used", RTC.used())
Node.deepSleep(1000)
