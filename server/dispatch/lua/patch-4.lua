--[[
  An operator's versioned state write: it goes through the same version counter as commits, so it loses to
  nothing and nothing loses to it (invariant 6). A call in flight for the address then fails its version
  check at commit and is redone against the patched state.
  KEYS[1] meta  KEYS[2] state  KEYS[3] changelog  KEYS[4] global commit sequence
  ARGV[1] address  ARGV[2] expected version  ARGV[3] changelog summary (JSON)  ARGV[4] changelog max length,
  then triples of name, 'M'|'D', bytes
  Returns {'OK', version, sequence} or {'CONFLICT', current version}.
]]
local cur = redis.call('HGET', KEYS[1], 'ver') or '0'
if cur ~= ARGV[2] then return { 'CONFLICT', cur } end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local log = { 'a', ARGV[1], 'n', '0', 's', ARGV[3] }
for i = 5, #ARGV, 3 do
  if ARGV[i + 1] == 'M' then
    redis.call('HSET', KEYS[2], 'v:' .. ARGV[i], ARGV[i + 2], 'w:' .. ARGV[i], now)
    log[#log + 1] = 'M:' .. ARGV[i]; log[#log + 1] = ARGV[i + 2]
  else
    redis.call('HDEL', KEYS[2], 'v:' .. ARGV[i], 'w:' .. ARGV[i])
    log[#log + 1] = 'D:' .. ARGV[i]; log[#log + 1] = ''
  end
end
local ver = redis.call('HINCRBY', KEYS[1], 'ver', 1)
local seq = redis.call('INCR', KEYS[4])
log[#log + 1] = 'v'; log[#log + 1] = ver
log[#log + 1] = 'g'; log[#log + 1] = seq
log[#log + 1] = 'at'; log[#log + 1] = now
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', unpack(log))
return { 'OK', ver, seq }
