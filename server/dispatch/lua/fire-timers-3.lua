--[[
  Deliver due delayed messages of one partition (they live in the sender's partition) to their targets.
  KEYS[1] timers (zset id -> due ms)  KEYS[2] timer data (hash id -> length-prefixed fields `<len>:<bytes>`:
  token key, target prefix, target address, target function type, target ready key, target partition; then the
  entry as the rest — ids and tokens may contain any byte)  KEYS[3] token index
  ARGV[1] max timers  ARGV[2] bell channel
  Returns {number delivered, due time (ms) of the next pending timer or -1}.
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
      local colon = string.find(d, ':', pos, true)
      local len = tonumber(string.sub(d, pos, colon - 1))
      parts[#parts + 1] = string.sub(d, colon + 1, colon + len)
      pos = colon + len + 1
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
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { #due, nxt[2] or '-1' }
