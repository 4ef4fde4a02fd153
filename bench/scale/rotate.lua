-- bench/scale/rotate.lua — wrk script: requests a list of paths in turn.
--
-- Owns: reading the path file (one request path a line, already
-- URL-encoded, as bench/scale/client.py queries writes it) and choosing the
-- next path for each request. The end-of-run report is bench/stats.lua's
-- BENCH_RESULT line, loaded from there so both benchmarks print the same
-- fields.
--
-- Usage: wrk ... -s bench/scale/rotate.lua http://HOST:PORT -- PATHS_FILE
--
-- wrk runs this file once in its main Lua state (where done() runs) and
-- once per thread (where init() and request() run); each state has its own
-- copy of the variables below, so no state is shared between threads.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "../stats.lua")

local paths = {}
local next_index = 1
local threads = 0

-- Main state: numbers the threads (thread:set makes `thread_id` a global
-- of that thread's state).
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  local file = args[1]
  if not file then error("rotate.lua: pass the paths file after --") end
  for line in io.lines(file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("rotate.lua: no paths in " .. file) end
  -- Threads start at different places so that they do not ask for the
  -- same query at the same moment.
  next_index = ((thread_id or 0) * 37) % #paths + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end
