PROJECT = "forgetful"
VERSION = "1.0.0"
log.info("main", PROJECT, "booted")
