-- wrk script for bench/load/wrk.ts (LuaJIT, as Debian's wrk is built). The request comes from the
-- environment: BENCH_METHOD, BENCH_BODY (empty: none) and BENCH_HEADERS ("name: value" lines).
-- done() prints one line:
--   wrk-result <answers> <durationUs> <statusErrors> <socketErrors> <latency> <measured>
-- each histogram as "us:count,us:count,..." or "-" when empty.
-- <latency> is wrk's own histogram. wrk corrects it for coordinated omission (a stall of S ms at an
-- expected interval of I ms adds S/I synthetic samples), so its p99 is "what a request arriving at
-- a steady rate would have waited".
-- <measured>, with BENCH_MEASURED=1, is every 2xx answer's time as this script measured it. Its
-- request() and response() hooks pair up only with one connection per thread (-t N -c N), and
-- defining them makes wrk call into Lua on every request, so they are off otherwise.

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
end
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+): (.*)$")
  if name then
    wrk.headers[name] = value
  end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

if os.getenv("BENCH_MEASURED") == "1" then
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

  -- This thread's histogram, { [us] = count }; global so that done() can read it.
  measured = {}
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
      local us = math.floor(now_us() - started + 0.5)
      measured[us] = (measured[us] or 0) + 1
    end
  end
end

local function field(entries)
  if #entries == 0 then return "-" end
  return table.concat(entries, ",")
end

function done(summary, latency, requests)
  local corrected = {}
  for i = 1, #latency do
    local value, count = latency(i)
    corrected[#corrected + 1] = string.format("%d:%d", value, count)
  end
  local merged = {}
  for _, thread in ipairs(threads) do
    local h = thread:get("measured")
    if type(h) == "table" then
      for us, count in pairs(h) do
        merged[us] = (merged[us] or 0) + count
      end
    end
  end
  local raw = {}
  for us, count in pairs(merged) do
    raw[#raw + 1] = string.format("%d:%d", us, count)
  end
  local e = summary.errors
  io.write(string.format(
    "wrk-result %d %d %d %d %s %s\n",
    summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    field(corrected), field(raw)))
end
