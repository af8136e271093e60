--[[
  Park a leased address: its mailbox stays as it is, the error is recorded, and it is not dispatched again
  until an operator resumes it. sch stays 1, so new messages queue without scheduling it.
  KEYS[1] meta  KEYS[2] leases  KEYS[3] parked (zset address -> since ms)
  ARGV[1] address  ARGV[2] lease token  ARGV[3] error  ARGV[4] attempts
]]
if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'pk', '1', 'perr', ARGV[3], 'ps', now, 'patt', ARGV[4])
redis.call('HDEL', KEYS[1], 'lease')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], now, ARGV[1])
return 1
