--[[
  Give a leased address back without effects (a fenced commit, a worker shutting down): release the lease
  and put the address back on the ready list so another call picks its mailbox up.
  KEYS[1] meta  KEYS[2] leases  KEYS[3] ready
  ARGV[1] address  ARGV[2] lease token  ARGV[3] bell channel  ARGV[4] partition number
]]
if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], 'lease')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
