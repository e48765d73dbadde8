-- Answer autosave as static/quizzes/attempt.js sends it: one trainee per
-- attempt (BENCH_ANSWERERS: "attempt,slot,version,session;..."), each wrk
-- thread taking every other trainee. A trainee's next save waits until the
-- server answered their last one, so no save is ever a stale version; each
-- save picks the option its version's parity names, so every save changes the
-- stored answer (a real write, never the server's "same answer" shortcut).
dofile(string.gsub(debug.getinfo(1, "S").source, "^@(.*)autosave%.lua$", "%1common.lua"))

local mine, turn, csrf, origin = {}, 0, nil, nil
local by_slot = {}

function init(args)
  base_headers()
  csrf = os.getenv("BENCH_CSRF")
  origin = os.getenv("BENCH_ORIGIN")
  local all = split(os.getenv("BENCH_ANSWERERS"), ";")
  for i, entry in ipairs(all) do
    if (i - 1) % 2 == (id - 1) % 2 then
      local f = split(entry, ",")
      local a = { attempt = f[1], slot = f[2], version = tonumber(f[3]), cookie = "sessionid=" .. f[4] .. "; csrftoken=" .. csrf, busy = false }
      table.insert(mine, a)
      by_slot[a.slot] = a
    end
  end
  outcomes = { saved = 0 }
end

local in_flight = {}

function request()
  -- The next trainee with no save in flight (there are more trainees than connections).
  local a
  for _ = 1, #mine do
    turn = turn % #mine + 1
    if not mine[turn].busy then a = mine[turn]; break end
  end
  a.busy = true
  table.insert(in_flight, a)
  local body = "csrfmiddlewaretoken=" .. csrf .. "&slot=" .. a.slot .. "&v" .. a.slot .. "=" .. a.version
    .. "&q" .. a.slot .. "=" .. (a.version % 2)
  -- wrk.format takes these headers instead of wrk.headers, so the common ones are copied in.
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = a.cookie,
    ["Origin"] = origin,
    ["X-Requested-With"] = "fetch",
  }
  for k, v in pairs(wrk.headers) do
    if headers[k] == nil then headers[k] = v end
  end
  return wrk.format("POST", "/quizzes/attempts/" .. a.attempt .. "/answer/", headers, body)
end

function response(status, headers, body)
  -- The answer names its slot; without it (an older server) the oldest save in flight is assumed.
  local slot = string.match(body or "", '"slot": *(%d+)')
  local a = slot and by_slot[slot] or table.remove(in_flight, 1)
  if slot then
    for i, b in ipairs(in_flight) do if b == a then table.remove(in_flight, i); break end end
  end
  local version = tonumber(string.match(body or "", '"version": *(%d+)') or "")
  if a then
    a.busy = false
    if version then a.version = version elseif status == 200 then a.version = a.version + 1 end
  end
  if status == 200 and string.find(body or "", '"saved": *true') then
    outcomes.saved = outcomes.saved + 1
  else
    count_bad(status, headers, body)
  end
end
