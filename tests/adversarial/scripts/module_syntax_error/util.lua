-- A module with a syntax error: the function below is never closed.
local M = {} function M.twice(x) return 2 * x
return M
