--[[
  Extend the leases a worker still holds (calls in flight, retries with backoff).
  KEYS[1] leases  ARGV[1] partition key prefix  ARGV[2] lease ms, then pairs of address, token
  Returns how many leases were still held.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = 0
for i = 3, #ARGV, 2 do
  if redis.call('HGET', ARGV[1] .. 'a:' .. ARGV[i], 'lease') == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[i])
    n = n + 1
  end
end
return n
