-- wrk script for `ebank bench http`: a logged-in customer's own-account transfers of
-- 0.01 CNY over POST /api/v1/me/transfers, each with an Idempotency-Key of its own
-- (run id, wrk thread, counter), alternating direction so that neither balance runs out.
-- Counts 201 answers (transfers done) apart from other answers and writes one JSON summary
-- to $EBANK_BENCH_RESULT (or stdout). The session token comes from the environment, so
-- that `ps` does not show it.
--
--   EBANK_BENCH_TOKEN=... wrk -t2 -c64 -d10s --latency -s scripts/wrk-transfers.lua \
--     http://127.0.0.1:8080/api/v1/me/transfers -- ACCOUNT_A ACCOUNT_B [RUN_ID]

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

local function transfer_body(from, to)
  return string.format(
    '{"from_account":"%s","to_account":"%s","amount":"0.01","currency":"CNY"}', from, to)
end

function init(args)
  local token = os.getenv("EBANK_BENCH_TOKEN")
  assert(token and #token > 0, "EBANK_BENCH_TOKEN must hold the customer's session token")
  assert(args[1] and args[2], "usage: wrk ... -- ACCOUNT_A ACCOUNT_B [RUN_ID]")
  run_id = args[3] or tostring(os.time())
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  bodies = { transfer_body(args[1], args[2]), transfer_body(args[2], args[1]) }
  sent = 0
  created = 0
  other_2xx = 0
  non_2xx = 0
  first_failure = nil
end

function request()
  sent = sent + 1
  headers["Idempotency-Key"] = string.format("%s-%d-%d", run_id, thread_id, sent)
  return wrk.format("POST", nil, headers, bodies[sent % 2 + 1])
end

function response(status, response_headers, body)
  if status == 201 then
    created = created + 1
  elseif status >= 200 and status < 300 then
    other_2xx = other_2xx + 1
  else
    non_2xx = non_2xx + 1
    if not first_failure then
      first_failure = status .. " " .. string.sub(body or "", 1, 600)
    end
  end
end

local function json_string(text)
  return '"' .. string.gsub(text, '[%c"\\]', " ") .. '"'
end

function done(summary, latency, requests)
  local totals = { created = 0, other_2xx = 0, non_2xx = 0 }
  local failure = nil
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    failure = failure or thread:get("first_failure")
  end
  local errors = summary.errors
  local out = string.format(
    '{"duration_us": %d, "requests": %d, "created": %d, "other_2xx": %d, "non_2xx": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "mean": %d, "max": %d}%s}\n',
    summary.duration, summary.requests, totals.created, totals.other_2xx, totals.non_2xx,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(90)),
    math.floor(latency:percentile(99)), math.floor(latency.mean), math.floor(latency.max),
    failure and (', "first_failure": ' .. json_string(failure)) or "")
  local path = os.getenv("EBANK_BENCH_RESULT")
  local file = path and io.open(path, "w") or io.stdout
  file:write(out)
  if path then file:close() end
end
