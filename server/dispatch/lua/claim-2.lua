--[[
  Lease up to K ready addresses of one partition and return what a call needs.
  KEYS[1] ready list, KEYS[2] lease deadlines (zset address -> ms)
  ARGV[1] partition key prefix, ARGV[2] K, ARGV[3] B (mailbox entries per address), ARGV[4] lease ms,
  ARGV[5] lease token prefix (unique per call)  ARGV[6] data-plane marker key (absent while Redis is being
  rebuilt from Postgres: nothing is claimed, a half-restored address must not be called)
  ARGV[7] (optional) per-endpoint budgets: how many addresses of an endpoint not listed this call may claim,
  then the number of listed endpoints, then pairs (endpoint key — `ns/type` or `ns/*`, as it binds — and how
  many it may claim), then the exact `ns/type` endpoints of the listed namespaces (an address's endpoint is its
  exact type's if bound, else its namespace's). An address beyond its endpoint's budget waits for a call slot: it
  moves to the partition's waiting list of that endpoint (w:<key>, the keys indexed in the set wt; sch stays 1)
  until the runner has room for the endpoint again (unwait-3.lua) — so one hung deployment cannot take every
  call slot of a worker. At most K addresses are set waiting per call.
  Returns {now, {endpoint key, addresses set waiting, ...}, {address, version, token, {state field, value, ...},
  {entry, ...}, epoch}, ...}
]]
local pp = ARGV[1]
local k, b, leaseMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('GET', pp .. 'epoch') or '0'
local out = { now, {} }
if redis.call('EXISTS', ARGV[6]) == 0 then return out end
local budgeted = ARGV[7] ~= nil
local default = tonumber(ARGV[7] or '0')
local budget, exact = {}, {}
if budgeted then
  local np = tonumber(ARGV[8])
  for i = 9, 8 + 2 * np, 2 do budget[ARGV[i]] = tonumber(ARGV[i + 1]) end
  for i = 9 + 2 * np, #ARGV do exact[ARGV[i]] = true end
end
local waited, nwait = {}, 0
local n = 0
while n < k and nwait < k do
  local addr = redis.call('LPOP', KEYS[1])
  if not addr then break end
  local meta = pp .. 'a:' .. addr
  local m = redis.call('HMGET', meta, 'ver', 'lease', 'pk')
  local mb = pp .. 'm:' .. addr
  if m[2] or m[3] == '1' then
    -- already leased or parked: a stale ready entry; the owner reschedules it
  elseif redis.call('LLEN', mb) == 0 then
    redis.call('HSET', meta, 'sch', '0')
  else
    local key = nil
    if budgeted then
      local ftype, ns = string.match(addr, '^(([^/]+)/[^/]+)/')
      if ftype then key = exact[ftype] and ftype or (ns .. '/*') end
    end
    local left = key and (budget[key] or default)
    if left and left <= 0 then
      redis.call('RPUSH', pp .. 'w:' .. key, addr)
      redis.call('SADD', pp .. 'wt', key)
      waited[key] = (waited[key] or 0) + 1
      nwait = nwait + 1
    else
      if key then budget[key] = left - 1 end
      local tok = ARGV[5] .. ':' .. n
      redis.call('HSET', meta, 'lease', tok)
      redis.call('ZADD', KEYS[2], now + leaseMs, addr)
      out[#out + 1] = { addr, m[1] or '0', tok, redis.call('HGETALL', pp .. 's:' .. addr), redis.call('LRANGE', mb, 0, b - 1), epoch }
      n = n + 1
    end
  end
end
for t, c in pairs(waited) do
  out[2][#out[2] + 1] = t
  out[2][#out[2] + 1] = c
end
return out
