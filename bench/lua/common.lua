-- Shared by the ratio benchmark's wrk scripts (bench/ratio.py loads one of
-- get.lua, autosave.lua, scan.lua, each of which starts with dofile(common)).
-- Counts answers that are not 200 (wrk itself only counts 4xx/5xx, and a
-- redirect to the sign-in page must count as a failure) and prints one line
-- "RATIO {json}" that ratio.py reads.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

bad, example, outcomes = 0, "", {}

function base_headers()
  wrk.headers["X-Forwarded-Proto"] = "https"
  wrk.headers["User-Agent"] = "lms-ratio"
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then
    wrk.headers["Cookie"] = cookie
  end
end

function split(text, sep)
  local parts = {}
  for part in string.gmatch(text or "", "([^" .. sep .. "]+)") do
    table.insert(parts, part)
  end
  return parts
end

function count_bad(status, headers, body)
  bad = bad + 1
  if example == "" then
    local where = headers["Location"] or headers["location"] or string.sub(body or "", 1, 120)
    example = (status .. " " .. where):gsub('[%c"\\]', " ")
  end
end

function done(summary, latency, requests)
  local total_bad, first_example, merged = 0, "", {}
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
    local e = thread:get("example")
    if first_example == "" and e ~= "" then first_example = e end
    local o = thread:get("outcomes")
    for k, v in pairs(o) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s": %d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'RATIO {"requests": %d, "duration_us": %d, "bad": %d, "socket_errors": %d, "example": "%s", "outcomes": {%s}, "p50_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration, total_bad + e.connect + e.read + e.write + e.timeout,
    e.connect + e.read + e.write + e.timeout, first_example, table.concat(parts, ", "),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
