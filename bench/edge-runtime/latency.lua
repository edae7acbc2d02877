-- wrk script for bench/edge-runtime: prints wrk's own latency figures and, beside them, every
-- request's measured latency. wrk corrects its histogram for coordinated omission (a stall of S ms
-- at an expected interval of I ms adds S/I synthetic samples), so its p99 is "what a request
-- arriving at a steady rate would have waited". The raw figures are what requests took. Run with
-- one connection per thread (-t N -c N) so that each thread's request() and response() pair up.
-- Env: BENCH_METHOD, BENCH_BODY, BENCH_AUTH (optional).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local CLOCK_MONOTONIC = 1
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
if os.getenv("BENCH_AUTH") then
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
end

lat = {}
local started = 0
local req
function init(args)
  req = wrk.format()
end
function request()
  started = now_us()
  return req
end
function response(status, headers, body)
  if status >= 200 and status < 300 then
    lat[#lat + 1] = now_us() - started
  end
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local l = t:get("lat")
    for i = 1, #l do
      all[#all + 1] = l[i]
    end
  end
  table.sort(all)
  local function p(q)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(q / 100 * #all))] / 1000
  end
  local over50 = 0
  for i = 1, #all do
    if all[i] > 50000 then over50 = over50 + 1 end
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    '{"requests":%d,"errors":%d,"rps":%.1f,"wrk_p50_ms":%.3f,"wrk_p99_ms":%.3f,"max_ms":%.3f,' ..
    '"raw_p50_ms":%.3f,"raw_p99_ms":%.3f,"raw_p999_ms":%.3f,"over_50ms":%d}\n',
    summary.requests, errors, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    p(50), p(99), p(99.9), over50))
end
