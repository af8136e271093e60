--- @include "changelog"
--[[
  An operator's versioned state write: it goes through the same version counter as commits, so it loses to
  nothing and nothing loses to it (invariant 6). A call in flight for the address then fails its version
  check at commit and is redone against the patched state.
  KEYS[1] meta  KEYS[2] state  KEYS[3] changelog  KEYS[4] global commit sequence  KEYS[5] data-plane marker
  ARGV[1] address  ARGV[2] expected version  ARGV[3] changelog summary (JSON), then triples of name, 'M'|'D', bytes
  Returns {'OK', version, sequence} or {'CONFLICT', current version}, or the error NOPLANE while Redis is
  being rebuilt from Postgres.
]]
if redis.call('EXISTS', KEYS[5]) == 0 then return redis.error_reply('NOPLANE the data plane is being rebuilt') end
local cur = redis.call('HGET', KEYS[1], 'ver') or '0'
if cur ~= ARGV[2] then return { 'CONFLICT', cur } end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = redis.call('INCR', KEYS[4])
local logs = clog_new(seq, now)
local l = clog_of(logs, KEYS[3], 'p')
clog_rec(l, 'a', ARGV[1], 'n', '0')
clog_rec(l, 's', ARGV[3], 'v', '')
local verAt = #l.f
for i = 4, #ARGV, 3 do
  if ARGV[i + 1] == 'M' then
    redis.call('HSET', KEYS[2], 'v:' .. ARGV[i], ARGV[i + 2], 'w:' .. ARGV[i], now)
    clog_rec(l, 'M:' .. ARGV[i], ARGV[i + 2])
  else
    redis.call('HDEL', KEYS[2], 'v:' .. ARGV[i], 'w:' .. ARGV[i])
    clog_rec(l, 'D:' .. ARGV[i], '')
  end
end
local ver = redis.call('HINCRBY', KEYS[1], 'ver', 1)
l.f[verAt] = ver
clog_flush(logs)
return { 'OK', ver, seq }
