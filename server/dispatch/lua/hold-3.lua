--[[
  Set a leased address aside because its application is paused: no call, no effects. It keeps sch=1, so
  messages keep queueing; unhold puts it back on the ready list when the application resumes.
  KEYS[1] meta  KEYS[2] leases  KEYS[3] held (hash address -> function type)
  ARGV[1] address  ARGV[2] lease token  ARGV[3] function type
]]
if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], 'lease')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return 1
