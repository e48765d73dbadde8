-- Check-in scan as static/events/checkin.js sends it: a ticket token
-- (BENCH_TOKENS, each thread taking every other one), a fresh nonce and the
-- scan time, the CSRF token as a header. The first pass over the tickets
-- checks them in ("ok"); once all are in, scans are "duplicate".
dofile(string.gsub(debug.getinfo(1, "S").source, "^@(.*)scan%.lua$", "%1common.lua"))

local tokens, turn, csrf, origin = {}, 0, nil, nil

function init(args)
  base_headers()
  csrf = os.getenv("BENCH_CSRF")
  origin = os.getenv("BENCH_ORIGIN")
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") .. "; csrftoken=" .. csrf
  wrk.headers["X-CSRFToken"] = csrf
  wrk.headers["Origin"] = origin
  wrk.headers["X-Requested-With"] = "fetch"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  for i, token in ipairs(split(os.getenv("BENCH_TOKENS"), ";")) do
    if (i - 1) % 2 == (id - 1) % 2 then table.insert(tokens, token) end
  end
  math.randomseed(os.time() * 1000 + id)
  outcomes = { ok = 0, duplicate = 0 }
end

local function nonce()
  local hex = {}
  for i = 1, 32 do hex[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(hex)
end

function request()
  turn = turn % #tokens + 1
  local body = "token=" .. tokens[turn] .. "&nonce=" .. nonce() .. "&scanned_at="
    .. os.date("!%Y-%m-%dT%H:%M:%S") .. "%2B00:00"
  return wrk.format("POST", nil, nil, body)
end

function response(status, headers, body)
  local outcome = string.match(body or "", '"outcome": *"(%w+)"')
  if status == 200 and (outcome == "ok" or outcome == "duplicate") then
    outcomes[outcome] = outcomes[outcome] + 1
  else
    count_bad(status, headers, body)
  end
end
