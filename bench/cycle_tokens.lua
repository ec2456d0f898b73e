-- wrk script: GET /messages/private with a different token on every request,
-- cycling through a file of pre-minted tokens (one per line). Each wrk thread
-- starts at its own offset so threads do not warm the cache for each other.
local tokens = {}
local index = 0

function init(args)
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  if #tokens == 0 then
    error("no tokens in " .. tostring(args[1]))
  end
  index = (tonumber(args[2]) or 0) % #tokens
end

function request()
  index = index % #tokens + 1
  return wrk.format("GET", "/messages/private", { ["Authorization"] = "Bearer " .. tokens[index] })
end
