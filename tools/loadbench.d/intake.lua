-- wrk script for tools/loadbench's intake rows: POST /v1/complaints, every request a new complaint.
-- Give wrk the server's base URL (or any URL on it: the path is always /v1/complaints).
--
-- Each request carries a body like the README's example: a point near West Lake (lat 30.259,
-- lng 120.13, gcj02) moved by up to +-0.01 degrees (about 1 km) at random, the categories in
-- turn, offline and video in turn, and, so that no request is a replay or hits a limit:
--   - its own consumer phone: 13000000000 + LOADBENCH_PHONE_BASE + 10^7 x thread + n (the
--     server allows one phone 5 complaints an hour);
--   - its own Idempotency-Key: lb-<LOADBENCH_KEY_PREFIX>-<thread>-<n>.
-- tools/loadbench gives every run on one store (check, warm-up, measured) its own phone base
-- and key prefix, so phones and keys never repeat within a store.
--
-- Environment (read when wrk loads the script):
--   LOADBENCH_SEED          integer seed of the points (default 20240611)
--   LOADBENCH_PHONE_BASE    offset of this run's phones (default 0; keep it below 9 x 10^8)
--   LOADBENCH_KEY_PREFIX    prefix of this run's Idempotency-Keys (default "run")
--
-- response() reads every answer (intake is a few hundred to a few thousand a second, so the
-- cost of parsing answers into Lua does not matter here): it counts statuses, the distinct
-- complaint numbers of the 201s, the 201s that were replays (Idempotent-Replayed: the first
-- answer to the same key again, not a new complaint) and the complaint statuses they carry
-- (assigned, or submitted when no station had capacity left), and keeps the first 3 answers
-- that are not 201 (status and the start of the body).
--
-- done() prints the same LOADBENCH_RESULT line as tools/loadbench.lua, then
--   LOADBENCH_INTAKE sent=.. responses=.. created=.. distinct_numbers=.. replayed=..
--                    statuses=201:N,.. complaint_statuses=assigned:N,submitted:N
-- and one LOADBENCH_REJECTED <status> <body start> line per kept non-201 answer.

local seed = tonumber(os.getenv("LOADBENCH_SEED") or "20240611")
local phone_base = tonumber(os.getenv("LOADBENCH_PHONE_BASE") or "0")
local key_prefix = os.getenv("LOADBENCH_KEY_PREFIX") or "run"

local LAT, LNG, SPREAD = 30.259, 120.13, 0.01
local CATEGORIES = { "product_quality", "service_quality", "false_advertising", "price", "contract",
                     "prepaid_card", "food_safety", "after_sales", "online_shopping", "other" }
local MODES = { "offline", "video" }

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("thread_no", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

-- thread state
local n = 0
local host
sent, responses, created, distinct_numbers, replayed, statuses, complaint_statuses, rejected = 0, 0, 0, 0, 0, "", "", ""
local status_count, complaint_status_count, seen_number, rejected_list = {}, {}, {}, {}

function init(args)
   math.randomseed(seed + 7919 * (thread_no or 0))
   host = wrk.host .. ((wrk.port and wrk.port ~= "") and (":" .. wrk.port) or "")
end

function request()
   n = n + 1
   sent = sent + 1
   local t = thread_no or 0
   local phone = string.format("%.0f", 13000000000 + phone_base + 10000000 * t + n)
   local key = string.format("lb-%s-%d-%d", key_prefix, t, n)
   local lat = LAT + SPREAD * (2 * math.random() - 1)
   local lng = LNG + SPREAD * (2 * math.random() - 1)
   local body = string.format(
      '{"location":{"lat":%.6f,"lng":%.6f,"coordsys":"gcj02"},' ..
      '"consumer":{"name":"张三","phone":"%s"},' ..
      '"merchant":{"name":"某某超市 %s","address":"文三路 1 号"},' ..
      '"category":"%s","description":"loadbench %s: 买到过期食品，商家拒绝退货",' ..
      '"preferred_mode":"%s","amount_yuan":19.9}',
      lat, lng, phone, key, CATEGORIES[n % #CATEGORIES + 1], key, MODES[n % #MODES + 1])
   return wrk.format("POST", "/v1/complaints",
                     { ["Host"] = host, ["Content-Type"] = "application/json", ["Idempotency-Key"] = key },
                     body)
end

local function joined(counts)
   local parts = {}
   for k, c in pairs(counts) do parts[#parts + 1] = k .. ":" .. c end
   table.sort(parts)
   return table.concat(parts, ",")
end

function response(status, headers, body)
   responses = responses + 1
   status_count[status] = (status_count[status] or 0) + 1
   statuses = joined(status_count)
   if status == 201 then
      created = created + 1
      for name, _ in pairs(headers or {}) do
         if name:lower() == "idempotent-replayed" then replayed = replayed + 1 end
      end
      local number = body and body:match('"number"%s*:%s*"([^"]+)"')
      if number and not seen_number[number] then
         seen_number[number] = true
         distinct_numbers = distinct_numbers + 1
      end
      -- the complaint's own status: the one key "status" at the top level whose value is a state
      local st = body and (body:match('"status"%s*:%s*"(assigned)"') or body:match('"status"%s*:%s*"(submitted)"'))
      st = st or "other"
      complaint_status_count[st] = (complaint_status_count[st] or 0) + 1
      complaint_statuses = joined(complaint_status_count)
   elseif #rejected_list < 3 then
      local text = (body or ""):sub(1, 300):gsub("[\r\n]", " ")
      rejected_list[#rejected_list + 1] = status .. " " .. text
      rejected = table.concat(rejected_list, "\n")
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "LOADBENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
   local t_sent, t_resp, t_created, t_numbers, t_replayed, t_status, t_cstatus, t_rejected = 0, 0, 0, 0, 0, {}, {}, {}
   for _, t in ipairs(threads) do
      t_sent = t_sent + t:get("sent")
      t_resp = t_resp + t:get("responses")
      t_created = t_created + t:get("created")
      t_numbers = t_numbers + t:get("distinct_numbers")
      t_replayed = t_replayed + t:get("replayed")
      t_status[#t_status + 1] = t:get("statuses")
      t_cstatus[#t_cstatus + 1] = t:get("complaint_statuses")
      local r = t:get("rejected")
      if r and r ~= "" then t_rejected[#t_rejected + 1] = r end
   end
   io.write(string.format("LOADBENCH_INTAKE sent=%d responses=%d created=%d distinct_numbers=%d replayed=%d statuses=%s complaint_statuses=%s\n",
                          t_sent, t_resp, t_created, t_numbers, t_replayed, table.concat(t_status, ";"), table.concat(t_cstatus, ";")))
   for _, r in ipairs(t_rejected) do
      for line in r:gmatch("[^\n]+") do io.write("LOADBENCH_REJECTED " .. line .. "\n") end
   end
end
