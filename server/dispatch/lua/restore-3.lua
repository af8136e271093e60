--- @include "changelog"
--[[
  Replace addresses of one partition with their content in a savepoint (rollback), atomically per call: each
  address's state, mailbox, lease, parked and held flags are dropped and rewritten, with one new version for all
  of them that is higher than any version used before (the caller passes a fresh global sequence number). A
  call in flight for such an address loses its lease, so its commit is fenced. Messages arriving later queue
  after the restored ones. Timers (delayed messages sent from this partition) are removed and added as given.
  KEYS[1] ready list  KEYS[2] changelog stream  KEYS[3] global sequence
  ARGV[1] partition prefix  ARGV[2] new version  ARGV[3] data-plane marker key  ARGV[4] bell channel
  ARGV[5] partition number  ARGV[6] the savepoint id
  then nAddr, per address: address, function type, invokedAt ('' none), nValues, nValues x (name, value, written ms),
                            nMessages, nMessages x entry
  then nRemove, nRemove x timer id;  then nAdd, nAdd x (timer id, due ms, timer data)
  Changelog (kind r): RS savepoint id + v version, then RA address per address (the checkpointer copies their rows
  from the savepoint inside Postgres: a rollback of a million addresses is not a million changelog records);
  X / T+td for timers.
  Publishes the partition number on the bell channel when an address became ready, and 't' .. it when timers
  were added. Returns the number of addresses restored.
]]
if redis.call('EXISTS', ARGV[3]) == 0 then return redis.error_reply('NOPLANE the data plane is being rebuilt') end
local pp, ver = ARGV[1], ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local logs = clog_new(redis.call('INCR', KEYS[3]), now)
local l = clog_of(logs, KEYS[2], 'r')
local stats = pp .. 'stats'
local woke = false
clog_rec(l, 'RS', ARGV[6], 'v', ver)
local i = 7
local nAddr = tonumber(ARGV[i]); i = i + 1
for _ = 1, nAddr do
  local addr, ftype, invoked = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  local meta, mb, st = pp .. 'a:' .. addr, pp .. 'm:' .. addr, pp .. 's:' .. addr
  local oldLen = redis.call('LLEN', mb)
  local m = redis.call('HMGET', meta, 'ver', 'lease', 'pk')
  redis.call('DEL', mb, st)
  if m[2] then redis.call('ZREM', pp .. 'leases', addr) end
  if m[3] then
    redis.call('ZREM', pp .. 'parked', addr)
    redis.call('HDEL', meta, 'pk', 'perr', 'ps', 'patt')
  end
  if m[2] then redis.call('HDEL', meta, 'lease') end
  redis.call('HDEL', pp .. 'held', addr)
  if not m[1] or m[1] == '0' then redis.call('HINCRBY', stats, ftype .. '|addresses', 1) end
  clog_rec(l, 'RA', addr)
  local nv = tonumber(ARGV[i]); i = i + 1
  if nv > 0 or invoked ~= '' then
    local fields = {}
    if invoked ~= '' then fields[1] = '_i'; fields[2] = invoked end
    for _ = 1, nv do
      fields[#fields + 1] = 'v:' .. ARGV[i]; fields[#fields + 1] = ARGV[i + 1]
      fields[#fields + 1] = 'w:' .. ARGV[i]; fields[#fields + 1] = ARGV[i + 2]
      i = i + 3
    end
    redis.call('HSET', st, unpack(fields))
  end
  local nm = tonumber(ARGV[i]); i = i + 1
  for s = i, i + nm - 1, 1000 do redis.call('RPUSH', mb, unpack(ARGV, s, math.min(s + 999, i + nm - 1))) end
  i = i + nm
  if nm ~= oldLen then redis.call('HINCRBY', stats, ftype .. '|backlog', nm - oldLen) end
  if nm > 0 then
    redis.call('HSET', meta, 'ver', ver, 'sch', '1')
    redis.call('RPUSH', KEYS[1], addr)
    woke = true
  else
    redis.call('HSET', meta, 'ver', ver, 'sch', '0')
  end
end
local timers, tdata, tokens = pp .. 'timers', pp .. 'tdata', pp .. 'tokens'
local function tokenOf(d)
  local colon = string.find(d, ':', 1, true)
  local len = tonumber(string.sub(d, 1, colon - 1))
  return string.sub(d, colon + 1, colon + len)
end
local nRem = tonumber(ARGV[i]); i = i + 1
for _ = 1, nRem do
  local id = ARGV[i]
  i = i + 1
  local d = redis.call('HGET', tdata, id)
  if d then
    local tk = tokenOf(d)
    if tk ~= '' then redis.call('HDEL', tokens, tk) end
    redis.call('HDEL', tdata, id)
  end
  if redis.call('ZREM', timers, id) == 1 or d then clog_rec(l, 'X', id) end
end
local nAdd = tonumber(ARGV[i]); i = i + 1
for _ = 1, nAdd do
  local id, due, d = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  redis.call('ZADD', timers, due, id)
  redis.call('HSET', tdata, id, d)
  local tk = tokenOf(d)
  if tk ~= '' then redis.call('HSET', tokens, tk, id) end
  clog_rec(l, 'T', id, 'td', due .. ':' .. d)
end
clog_flush(logs)
if woke then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
-- 't<partition>': the runner learns of timers it did not schedule itself at once
if nAdd > 0 then redis.call('PUBLISH', ARGV[4], 't' .. ARGV[5]) end
return nAddr
