--- @include "waiting"
--[[
  Give addresses of one endpoint that waited for a call slot (claim-2.lua) back to the ready list's head.
  KEYS[1] the partition's waiting list of the endpoint (w:<key>)  KEYS[2] ready list  KEYS[3] the keys with one (wt)
  ARGV[1] endpoint key  ARGV[2] at most this many (0: all)  ARGV[3] bell channel  ARGV[4] partition number
  Returns how many went back.
]]
local moved = waiting_give_back(KEYS[1], KEYS[2], tonumber(ARGV[2]))
if moved > 0 then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[1]) end
return moved
