-- wrk script for bench/ingest_bench.py: POST /webhook/generic with a unique msg_id per request.
--
--   wrk -t1 -c16 -d4s -s bench/intake_load.lua http://127.0.0.1:PORT -- TEXTS_FILE RUN_ID
--
-- TEXTS_FILE holds one JSON string literal per line (ASCII-escaped by the Python side), in the
-- order they are sent: the traffic mix is decided there, not here. `done` prints one JSON line
-- the bench reads; wrk's own report is ignored.

local texts = {}
local run = "run"
local counter = 0
local thread_id = 0
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  local path = args[1]
  run = args[2] or run
  for line in io.lines(path) do
    if #line > 0 then
      texts[#texts + 1] = line
    end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1]
  local sender = counter % 500
  local body = '{"msg_id":"' .. run .. "-" .. thread_id .. "-" .. counter .. '","group_id":"demo",'
    .. '"sender_id":"wgy_' .. sender .. '","sender_name":"wgy' .. sender .. '","text":' .. text .. "}"
  return wrk.format(nil, "/webhook/generic", nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
