--[[
  Lease up to K ready addresses of one partition and return what a call needs.
  KEYS[1] ready list, KEYS[2] lease deadlines (zset address -> ms)
  ARGV[1] partition key prefix, ARGV[2] K, ARGV[3] B (mailbox entries per address), ARGV[4] lease ms,
  ARGV[5] lease token prefix (unique per call)  ARGV[6] data-plane marker key (absent while Redis is being
  rebuilt from Postgres: nothing is claimed, a half-restored address must not be called)
  Returns {now, {address, version, token, {state field, value, ...}, {entry, ...}, epoch}, ...}
]]
local pp = ARGV[1]
local k, b, leaseMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('GET', pp .. 'epoch') or '0'
local out = { now }
if redis.call('EXISTS', ARGV[6]) == 0 then return out end
local n = 0
while n < k do
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
    local tok = ARGV[5] .. ':' .. n
    redis.call('HSET', meta, 'lease', tok)
    redis.call('ZADD', KEYS[2], now + leaseMs, addr)
    out[#out + 1] = { addr, m[1] or '0', tok, redis.call('HGETALL', pp .. 's:' .. addr), redis.call('LRANGE', mb, 0, b - 1), epoch }
    n = n + 1
  end
end
return out
