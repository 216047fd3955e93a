PROJECT = "crashy"
VERSION = "1.0.0"
local settings = nil
log.info("main", settings.name)
sys.run()
