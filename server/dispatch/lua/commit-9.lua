--- @include "changelog"
--[[
  Apply one call's effects atomically: fencing, state, consumed messages, outgoing messages, timers,
  egress, version, changelog, lease release and reschedule — all or nothing (docs/DESIGN.md §3, invariant 4).
  KEYS[1] meta  KEYS[2] mailbox  KEYS[3] state  KEYS[4] ready  KEYS[5] leases  KEYS[6] epoch
  KEYS[7] changelog stream  KEYS[8] global commit sequence  KEYS[9] partition stats
  ARGV[1] address  ARGV[2] lease token  ARGV[3] expected version  ARGV[4] expected epoch
  ARGV[5] messages consumed  ARGV[6] bell channel  ARGV[7] own partition number  ARGV[8] function type
  ARGV[9] data-plane marker key (absent while Redis is being rebuilt from Postgres)  ARGV[10] changelog summary (JSON)
  then: nMut, nMut x (name, 'M'|'D', bytes)
        nOut, nOut x (target partition prefix, target address, target function type, entry, target ready key, target partition)
        nTimer, nTimer x (op 'S'|'C', timers key, timer data key, token index key, timer id, delay ms, token key,
                          payload: length-prefixed target fields + entry, see fire-timers-5.lua)
        nEgress, nEgress x (stream key, max length, typename, value, topic, source)
  Returns {new version, commit sequence} or an error: FENCED ... / TOKEN ... (nothing written).
  Changelog (server/durability/changelog.ts reads it): one entry with id <sequence>-<chunk> in this partition's
  stream (header, mutations, the messages delivered into this partition, timers set and removed), and one in
  every other partition that received a message — so each partition's stream alone rebuilds its addresses.
]]
local addr, token = ARGV[1], ARGV[2]
local meta = KEYS[1]
local m = redis.call('HMGET', meta, 'lease', 'ver')
if m[1] ~= token then return redis.error_reply('FENCED lease ' .. tostring(m[1])) end
if (m[2] or '0') ~= ARGV[3] then return redis.error_reply('FENCED version ' .. tostring(m[2])) end
if (redis.call('GET', KEYS[6]) or '0') ~= ARGV[4] then return redis.error_reply('FENCED epoch') end
if redis.call('EXISTS', ARGV[9]) == 0 then return redis.error_reply('FENCED recovering') end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local i = 11
local nMut = tonumber(ARGV[i]); local mutAt = i + 1; i = mutAt + nMut * 3
local nOut = tonumber(ARGV[i]); local outAt = i + 1; i = outAt + nOut * 6
local nTim = tonumber(ARGV[i]); local timAt = i + 1; i = timAt + nTim * 8
local nEg = tonumber(ARGV[i]); local egAt = i + 1

-- Validate everything before the first write: a Lua error half-way would leave half the effects.
local seenTok = {}
for j = 0, nTim - 1 do
  local b = timAt + j * 8
  if ARGV[b] == 'S' and ARGV[b + 6] ~= '' then
    local tk = ARGV[b + 6]
    if seenTok[tk] or redis.call('HEXISTS', ARGV[b + 3], tk) == 1 then
      return redis.error_reply('TOKEN a delayed message with cancellation token "' .. string.sub(tk, #addr + 2) .. '" is already pending')
    end
    seenTok[tk] = true
  end
end

local seq = redis.call('INCR', KEYS[8])
local logs = clog_new(seq, now)
local own = clog_of(logs, KEYS[7], 'c')
local rec = clog_rec
rec(own, 'a', addr, 'n', ARGV[5])
rec(own, 's', ARGV[10], 'v', '')
local verAt = #own.f

-- state
for j = 0, nMut - 1 do
  local b = mutAt + j * 3
  local name = ARGV[b]
  if ARGV[b + 1] == 'M' then
    redis.call('HSET', KEYS[3], 'v:' .. name, ARGV[b + 2], 'w:' .. name, now)
    rec(own, 'M:' .. name, ARGV[b + 2])
  else
    redis.call('HDEL', KEYS[3], 'v:' .. name, 'w:' .. name)
    rec(own, 'D:' .. name, '')
  end
end
redis.call('HSET', KEYS[3], '_i', now)

-- consumed messages
local consumed = tonumber(ARGV[5])
if consumed > 0 then
  redis.call('LPOP', KEYS[2], consumed)
  redis.call('HINCRBY', KEYS[9], ARGV[8] .. '|backlog', -consumed)
end

-- outgoing messages, in the order the function sent them
local bells = {}
for j = 0, nOut - 1 do
  local b = outAt + j * 6
  local tpp, taddr, tftype = ARGV[b], ARGV[b + 1], ARGV[b + 2]
  redis.call('RPUSH', tpp .. 'm:' .. taddr, ARGV[b + 3])
  rec(clog_of(logs, tpp .. 'log', 'o'), 'E', taddr, 'e', ARGV[b + 3])
  redis.call('HINCRBY', tpp .. 'stats', tftype .. '|backlog', 1)
  local tmeta = tpp .. 'a:' .. taddr
  if redis.call('HGET', tmeta, 'sch') ~= '1' then
    redis.call('HSET', tmeta, 'sch', '1')
    redis.call('RPUSH', ARGV[b + 4], taddr)
    bells[ARGV[b + 5]] = true
  end
end

-- delayed messages and cancellations, in the sender's partition
for j = 0, nTim - 1 do
  local b = timAt + j * 8
  local timers, tdata, tokidx, id, tk = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 6]
  if ARGV[b] == 'S' then
    local due, data = now + tonumber(ARGV[b + 5]), #tk .. ':' .. tk .. ARGV[b + 7]
    redis.call('ZADD', timers, due, id)
    redis.call('HSET', tdata, id, data)
    rec(own, 'T', id, 'td', due .. ':' .. data)
    if tk ~= '' then redis.call('HSET', tokidx, tk, id) end
  else
    local pending = redis.call('HGET', tokidx, tk)
    if pending then
      redis.call('ZREM', timers, pending)
      redis.call('HDEL', tdata, pending)
      redis.call('HDEL', tokidx, tk)
      rec(own, 'X', pending)
    end
  end
end

-- egress records
for j = 0, nEg - 1 do
  local b = egAt + j * 6
  redis.call('XADD', ARGV[b], 'MAXLEN', '~', ARGV[b + 1], '*', 't', ARGV[b + 2], 'v', ARGV[b + 3], 'topic', ARGV[b + 4], 'src', ARGV[b + 5], 'at', now)
end

local ver = redis.call('HINCRBY', meta, 'ver', 1)
if ver == 1 then redis.call('HINCRBY', KEYS[9], ARGV[8] .. '|addresses', 1) end
own.f[verAt] = ver
clog_flush(logs)
redis.call('HINCRBY', KEYS[9], ARGV[8] .. '|in', consumed)

-- release the lease and reschedule
redis.call('HDEL', meta, 'lease')
redis.call('ZREM', KEYS[5], addr)
if redis.call('LLEN', KEYS[2]) > 0 then
  redis.call('RPUSH', KEYS[4], addr)
  bells[ARGV[7]] = true
else
  redis.call('HSET', meta, 'sch', '0')
end
for p, _ in pairs(bells) do redis.call('PUBLISH', ARGV[6], p) end
return { ver, seq }
