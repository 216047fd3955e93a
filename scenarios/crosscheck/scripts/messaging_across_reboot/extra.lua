-- written to the flash by a step of messaging_across_reboot; required after the reset
Log.info("extra.lua loaded")
return 42
