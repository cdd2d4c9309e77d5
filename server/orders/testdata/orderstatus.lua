-- wrk script of BenchmarkOrderStatus (server/orderstatus_bench_test.go).
--
-- Arguments after "--": <requests file> <check: 1 or 0> <threads>.
-- The requests file holds one request per line, "<token>\t<JSON body>"
-- (an empty token sends no Authorization header). Every request is built
-- once, in init; request() hands them out in rotation, each thread starting
-- at its own offset so that threads do not ask for the same order at once.
--
-- With check on, response() counts every answer that is not real data: a
-- status other than 200, a body that does not start with an order object,
-- or one that holds "errors". done() prints one WRK-RESULT line (and a
-- WRK-BAD line with the first bad answer) for the benchmark to parse.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

local requests = {}
local n, i = 0, 0
bad = 0
badsample = ""

function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    local token, body = line:sub(1, tab - 1), line:sub(tab + 1)
    local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
    if token ~= "" then
      headers["Authorization"] = "Bearer " .. token
    end
    n = n + 1
    requests[n] = wrk.format("POST", "/query", headers, body)
  end
  i = math.floor(id * n / tonumber(args[3]))
  if args[2] ~= "1" then
    response = nil -- wrk then skips parsing bodies altogether
  end
end

function request()
  i = i + 1
  if i > n then
    i = 1
  end
  return requests[i]
end

function response(status, headers, body)
  if status ~= 200 or body:sub(1, 19) ~= '{"data":{"order":{"' or body:find('"errors"', 1, true) then
    bad = bad + 1
    if badsample == "" then
      badsample = status .. " " .. body:sub(1, 300)
    end
  end
end

function done(summary, latency, _)
  local nbad, sample = 0, ""
  for _, t in ipairs(threads) do
    nbad = nbad + (t:get("bad") or 0)
    local s = t:get("badsample") or ""
    if sample == "" then
      sample = s
    end
  end
  local e = summary.errors
  io.write(string.format(
    "WRK-RESULT requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d bad=%d\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, nbad))
  if sample ~= "" then
    io.write("WRK-BAD " .. (sample:gsub("[\r\n]", " ")) .. "\n")
  end
end
