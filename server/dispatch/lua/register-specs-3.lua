--- @include "changelog"
--[[
  Register state specs for a function type; the first registration of a name wins (StateFun keeps the first
  TTL), and a different type for a registered name is a conflict.
  KEYS[1] specs hash (name -> typename \0 expire mode \0 expire after ms)  KEYS[2] a changelog stream
  KEYS[3] global sequence  ARGV[1] data-plane marker key  ARGV[2] function type, then triples of name, spec, typename
  A newly registered spec is a changelog entry (kind s: records S function type, sv name \0 spec), so a rebuilt
  Redis keeps the first registration.
  Returns {'OK', name, spec, ...} (every registered spec) or {'CONFLICT', name, registered typename, declared typename}.
]]
-- A name declared twice in one reply is checked against its first declaration, as StateFun registers them in order.
if redis.call('EXISTS', ARGV[1]) == 0 then return redis.error_reply('NOPLANE the data plane is being rebuilt') end
local declared = {}
for i = 3, #ARGV, 3 do
  local typename = declared[ARGV[i]]
  if not typename then
    local cur = redis.call('HGET', KEYS[1], ARGV[i])
    if cur then typename = string.sub(cur, 1, string.find(cur, '\0', 1, true) - 1) end
  end
  if typename and typename ~= ARGV[i + 2] then return { 'CONFLICT', ARGV[i], typename, ARGV[i + 2] } end
  declared[ARGV[i]] = typename or ARGV[i + 2]
end
local logs = nil
for i = 3, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    if not logs then
      local t = redis.call('TIME')
      logs = clog_new(redis.call('INCR', KEYS[3]), tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
    end
    clog_rec(clog_of(logs, KEYS[2], 's'), 'S', ARGV[2], 'sv', ARGV[i] .. '\0' .. ARGV[i + 1])
  end
end
if logs then clog_flush(logs) end
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, 'OK')
return all
