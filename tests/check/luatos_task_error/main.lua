PROJECT = "crashy"
VERSION = "1.0.0"
sys.taskInit(function()
    sys.wait(1000)
    local reading = nil
    log.info("sensor", reading.value)
end)
sys.run()
