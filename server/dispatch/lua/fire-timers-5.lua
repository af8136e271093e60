--- @include "changelog"
--[[
  Deliver due delayed messages of one partition (they live in the sender's partition) to their targets.
  KEYS[1] timers (zset id -> due ms)  KEYS[2] timer data (hash id -> length-prefixed fields `<len>:<bytes>`:
  token key, target prefix, target address, target function type, target ready key, target partition; then the
  entry as the rest — ids and tokens may contain any byte)  KEYS[3] token index
  KEYS[4] this partition's changelog  KEYS[5] global sequence
  ARGV[1] max timers  ARGV[2] bell channel  ARGV[3] data-plane marker key (absent while Redis is rebuilt: no-op)
  Returns {number delivered, due time (ms) of the next pending timer or -1}.
  Changelog: one entry (kind t) here with the timers removed, one (kind o) in each partition delivered into.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', ARGV[3]) == 0 then return { 0, '-1' } end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local bells = {}
local logs = nil
if #due > 0 then logs = clog_new(redis.call('INCR', KEYS[5]), now) end
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
    clog_rec(clog_of(logs, tpp .. 'log', 'o'), 'E', taddr, 'e', entry)
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
  clog_rec(clog_of(logs, KEYS[4], 't'), 'X', id)
end
if logs then clog_flush(logs) end
for p, _ in pairs(bells) do redis.call('PUBLISH', ARGV[2], p) end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { #due, nxt[2] or '-1' }
