print("booted")
