--- @include "waiting"
--[[
  Requeue addresses whose lease expired (their worker died or stalled). Liveness only: a late commit of the
  old lease holder is refused by the token check, so safety never depends on this clock.
  KEYS[1] leases  KEYS[2] ready
  ARGV[1] partition key prefix  ARGV[2] max addresses  ARGV[3] bell channel  ARGV[4] partition number
  ARGV[5] '1': also give every address waiting for a call slot back to the ready list (a runner taking the
  partition over: whoever set them waiting is gone or no longer holds it)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, addr in ipairs(expired) do
  redis.call('HDEL', ARGV[1] .. 'a:' .. addr, 'lease')
  redis.call('ZREM', KEYS[1], addr)
  redis.call('RPUSH', KEYS[2], addr)
end
local n = #expired
if ARGV[5] == '1' then
  for _, e in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'wt')) do n = n + waiting_give_back(ARGV[1] .. 'w:' .. e, KEYS[2], 0) end
  redis.call('DEL', ARGV[1] .. 'wt')
end
if n > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return n
