-- Requires a module with a syntax error (tests/adversarial/module_syntax_error.yaml).
local util = require("util")
print(util.twice(2))
