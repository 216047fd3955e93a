-- A calibration table stored in the 16 KB sleep region at boot: 17 000 bytes do not fit.
local calibration = string.rep("c", 17000)
RTC.set("calibration", calibration)
sys.run()
