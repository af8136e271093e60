--- @include "changelog"
--[[
  Resume a parked address (retry its head message), optionally dropping the head message first (skip).
  A skip consumes a message, so it is a versioned change like a commit: version bump + changelog entry.
  KEYS[1] meta  KEYS[2] mailbox  KEYS[3] parked  KEYS[4] ready  KEYS[5] partition stats
  KEYS[6] changelog stream  KEYS[7] global commit sequence
  ARGV[1] address  ARGV[2] 'resume'|'skip'  ARGV[3] bell channel  ARGV[4] partition number  ARGV[5] function type
  ARGV[6] changelog summary (JSON) for a skip
  Returns {1, dropped entry or ''} or {0} when the address is not parked.
]]
if redis.call('HGET', KEYS[1], 'pk') ~= '1' then return { 0 } end
local dropped = ''
if ARGV[2] == 'skip' then
  dropped = redis.call('LPOP', KEYS[2]) or ''
  if dropped ~= '' then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('HINCRBY', KEYS[5], ARGV[5] .. '|backlog', -1)
    local ver = redis.call('HINCRBY', KEYS[1], 'ver', 1)
    local logs = clog_new(redis.call('INCR', KEYS[7]), now)
    local l = clog_of(logs, KEYS[6], 'x')
    clog_rec(l, 'a', ARGV[1], 'n', '1')
    clog_rec(l, 's', ARGV[6], 'v', ver)
    clog_flush(logs)
  end
end
redis.call('HDEL', KEYS[1], 'pk', 'perr', 'ps', 'patt')
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('LLEN', KEYS[2]) > 0 then
  redis.call('RPUSH', KEYS[4], ARGV[1])
  redis.call('PUBLISH', ARGV[3], ARGV[4])
else
  redis.call('HSET', KEYS[1], 'sch', '0')
end
return { 1, dropped }
