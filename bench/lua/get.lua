-- A plain GET (with the session cookie in BENCH_COOKIE, if set); anything but 200 is a failure.
dofile(string.gsub(debug.getinfo(1, "S").source, "^@(.*)get%.lua$", "%1common.lua"))

local req
function init(args)
  base_headers()
  req = wrk.format("GET")
end

function request()
  return req
end

function response(status, headers, body)
  if status ~= 200 then count_bad(status, headers, body) end
end
