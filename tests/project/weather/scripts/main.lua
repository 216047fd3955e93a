-- Setup: a blank display at boot.
Display.clear()
