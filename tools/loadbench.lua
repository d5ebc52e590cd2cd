-- wrk script for tools/loadbench: GET <the URL's path>?lat=..&lng=..&limit=5 at random points
-- inside Zhejiang's bounding box (lat 27.0..31.2, lng 118.0..123.2). Give wrk the URL of the
-- endpoint, e.g. http://127.0.0.1:8080/v1/stations/nearest (a bare host means that path).
--
-- The points come from LuaJIT's math.random, seeded with LOADBENCH_SEED plus the thread's
-- number, so every run with the same seed sends the same sequence of points. Each thread
-- formats a pool of requests in init() (before wrk starts its clock) and cycles through it,
-- so the load generator spends its time on sockets, not on string formatting.
--
-- Environment (read when wrk loads the script):
--   LOADBENCH_SEED    integer seed (default 20240611)
--   LOADBENCH_POOL    distinct points per thread (default 262144; the pool repeats after that)
--   LOADBENCH_VERIFY  1: also count distinct request paths, response statuses and distinct
--                     nearest-station ids. This defines response(), which makes wrk parse
--                     every response into Lua, so use it for short check runs, not for timing.
--
-- done() prints one machine-readable line, read by tools/loadbench:
--   LOADBENCH_RESULT requests=.. duration_us=.. bytes=.. p50_us=.. p99_us=.. max_us=..
--                    connect=.. read=.. write=.. status=.. timeout=..
-- and in verify mode a second one:
--   LOADBENCH_VERIFY sent=.. distinct_paths=.. responses=.. statuses=200:N,.. distinct_first_ids=..

local seed = tonumber(os.getenv("LOADBENCH_SEED") or "20240611")
local pool_size = tonumber(os.getenv("LOADBENCH_POOL") or "262144")
local verify = os.getenv("LOADBENCH_VERIFY") == "1"

local LAT_MIN, LAT_MAX = 27.0, 31.2
local LNG_MIN, LNG_MAX = 118.0, 123.2

-- main state: number the threads so each gets its own, reproducible stream
local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("thread_no", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

-- thread state
local pool, paths = {}, {}
local n, i = 0, 0

function init(args)
   local endpoint = (wrk.path or ""):gsub("%?.*$", "")
   if endpoint == "" or endpoint == "/" then endpoint = "/v1/stations/nearest" end
   math.randomseed(seed + 7919 * (thread_no or 0))
   for k = 1, pool_size do
      local lat = LAT_MIN + (LAT_MAX - LAT_MIN) * math.random()
      local lng = LNG_MIN + (LNG_MAX - LNG_MIN) * math.random()
      local path = string.format("%s?lat=%.6f&lng=%.6f&limit=5", endpoint, lat, lng)
      paths[k] = path
      pool[k] = wrk.format("GET", path)
   end
   n = pool_size
   if not verify then paths = nil end
end

if not verify then
   function request()
      i = i + 1
      if i > n then i = 1 end
      return pool[i]
   end
else
   sent, distinct_paths, responses, distinct_first_ids, statuses = 0, 0, 0, 0, ""
   local seen_path, seen_id, status_count = {}, {}, {}

   function request()
      i = i + 1
      if i > n then i = 1 end
      local p = paths[i]
      sent = sent + 1
      if not seen_path[p] then
         seen_path[p] = true
         distinct_paths = distinct_paths + 1
      end
      return pool[i]
   end

   function response(status, headers, body)
      responses = responses + 1
      status_count[status] = (status_count[status] or 0) + 1
      local parts = {}
      for s, c in pairs(status_count) do parts[#parts + 1] = s .. ":" .. c end
      table.sort(parts)
      statuses = table.concat(parts, ",")
      -- the first station id of the answer: shows the server answered different points differently
      local id = body and body:match('"id"%s*:%s*"([^"]+)"')
      if id and not seen_id[id] then
         seen_id[id] = true
         distinct_first_ids = distinct_first_ids + 1
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "LOADBENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
   if verify then
      local t_sent, t_paths, t_resp, t_ids, t_status = 0, 0, 0, 0, {}
      for _, t in ipairs(threads) do
         t_sent = t_sent + t:get("sent")
         t_paths = t_paths + t:get("distinct_paths")
         t_resp = t_resp + t:get("responses")
         t_ids = t_ids + t:get("distinct_first_ids")
         t_status[#t_status + 1] = t:get("statuses")
      end
      io.write(string.format("LOADBENCH_VERIFY sent=%d distinct_paths=%d responses=%d statuses=%s distinct_first_ids=%d\n",
                             t_sent, t_paths, t_resp, table.concat(t_status, ";"), t_ids))
   end
end
