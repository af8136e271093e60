--[[
  Give addresses that waited for a call slot (claim-2.lua) back to the ready list, at its head and in the order
  they waited: they were ready before anything behind them.
  KEYS[1] the partition's waiting list of the endpoint (w:<key>)  KEYS[2] ready list  KEYS[3] the keys with one (wt)
  ARGV[1] endpoint key  ARGV[2] at most this many (0: all)  ARGV[3] bell channel  ARGV[4] partition number
  Returns how many went back.
]]
local max = tonumber(ARGV[2])
local moved = redis.call('LRANGE', KEYS[1], 0, max > 0 and max - 1 or -1)
if #moved > 0 then
  redis.call('LTRIM', KEYS[1], #moved, -1)
  for i = #moved, 1, -1 do redis.call('LPUSH', KEYS[2], moved[i]) end
  redis.call('PUBLISH', ARGV[3], ARGV[4])
end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[1]) end
return #moved
