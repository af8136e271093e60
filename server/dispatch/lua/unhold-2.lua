--[[
  Put held addresses of function types that are no longer paused back on the ready list.
  KEYS[1] held  KEYS[2] ready
  ARGV[1] bell channel  ARGV[2] partition number, then the addresses to release
]]
local n = 0
for i = 3, #ARGV do
  if redis.call('HDEL', KEYS[1], ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[2], ARGV[i])
    n = n + 1
  end
end
if n > 0 then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return n
