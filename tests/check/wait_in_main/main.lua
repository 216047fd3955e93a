-- Waiting in the main chunk: sys.wait works only inside a task, so the boot fails here.
log.info("boot", "waiting for the network")
sys.wait(2000)
sys.run()
