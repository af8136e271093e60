--- @include "changelog"
--[[
  Append messages to mailboxes of one partition and schedule each address that was idle.
  KEYS[1] ready list of the partition  KEYS[2] changelog stream  KEYS[3] global sequence
  KEYS[4] data-plane marker (absent while Redis is rebuilt from Postgres: the call fails with NOPLANE)
  ARGV[1] partition key prefix ("<prefix>:{pN}:"), ARGV[2] bell channel, ARGV[3] partition number,
  ARGV[4] idempotency TTL (ms), then per message 5 values: address, function type, mailbox entry,
  mailbox cap (<= 0: none), idempotency key ("" for none)
  Returns one integer per message: 1 queued, 0 duplicate of an earlier idempotency key, -1 mailbox full.
  The queued ones are one changelog entry (kind q), so Postgres can rebuild the mailboxes.
  Invariant: an address goes onto the ready list only on its sch 0 -> 1 transition (no double schedule),
  and every non-empty mailbox is ready, leased, held or parked (no lost wake-up).
]]
if redis.call('EXISTS', KEYS[4]) == 0 then return redis.error_reply('NOPLANE the data plane is being rebuilt') end
local pp = ARGV[1]
local out = {}
local woke = false
local entry_log = nil
for i = 5, #ARGV, 5 do
  local addr, ftype, entry, cap, idem = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), ARGV[i + 4]
  local mb = pp .. 'm:' .. addr
  local res = 1
  if cap > 0 and redis.call('LLEN', mb) >= cap then
    res = -1
  elseif idem ~= '' and not redis.call('SET', pp .. 'i:' .. addr .. '\0' .. idem, '1', 'NX', 'PX', ARGV[4]) then
    res = 0
  else
    redis.call('RPUSH', mb, entry)
    if not entry_log then
      local t = redis.call('TIME')
      entry_log = clog_new(redis.call('INCR', KEYS[3]), tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
    end
    clog_rec(clog_of(entry_log, KEYS[2], 'q'), 'E', addr, 'e', entry)
    redis.call('HINCRBY', pp .. 'stats', ftype .. '|backlog', 1)
    local meta = pp .. 'a:' .. addr
    if redis.call('HGET', meta, 'sch') ~= '1' then
      redis.call('HSET', meta, 'sch', '1')
      redis.call('RPUSH', KEYS[1], addr)
      woke = true
    end
  end
  out[#out + 1] = res
end
if entry_log then clog_flush(entry_log) end
if woke then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return out
