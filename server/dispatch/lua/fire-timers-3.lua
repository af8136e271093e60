--[[
  Deliver due delayed messages of one partition (they live in the sender's partition) to their targets.
  KEYS[1] timers (zset id -> due ms)  KEYS[2] timer data (hash id -> token \0 target prefix \0 target address \0
  target function type \0 target ready key \0 target partition \0 entry)  KEYS[3] token index
  ARGV[1] max timers  ARGV[2] bell channel
  Returns the number delivered.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local bells = {}
for _, id in ipairs(due) do
  local d = redis.call('HGET', KEYS[2], id)
  if d then
    local parts, pos = {}, 1
    for _ = 1, 6 do
      local z = string.find(d, '\0', pos, true)
      parts[#parts + 1] = string.sub(d, pos, z - 1)
      pos = z + 1
    end
    local entry = string.sub(d, pos)
    local tk, tpp, taddr, tftype, tready, tpart = parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]
    redis.call('RPUSH', tpp .. 'm:' .. taddr, entry)
    redis.call('HINCRBY', tpp .. 'stats', tftype .. '|backlog', 1)
    local tmeta = tpp .. 'a:' .. taddr
    if redis.call('HGET', tmeta, 'sch') ~= '1' then
      redis.call('HSET', tmeta, 'sch', '1')
      redis.call('RPUSH', tready, taddr)
      bells[tpart] = true
    end
    if tk ~= '' then redis.call('HDEL', KEYS[3], tk) end
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('ZREM', KEYS[1], id)
end
for p, _ in pairs(bells) do redis.call('PUBLISH', ARGV[2], p) end
return #due
