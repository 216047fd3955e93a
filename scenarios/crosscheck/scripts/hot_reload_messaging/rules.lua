-- never runs: main.lua ends in sys.run(), and a reload stops it
Log.info("rules.lua")
