--[[
  Register state specs for a function type; the first registration of a name wins (StateFun keeps the first
  TTL), and a different type for a registered name is a conflict.
  KEYS[1] specs hash (name -> typename \0 expire mode \0 expire after ms)
  ARGV: triples of name, spec, typename
  Returns {'OK', name, spec, ...} (every registered spec) or {'CONFLICT', name, registered typename, declared typename}.
]]
-- A name declared twice in one reply is checked against its first declaration, as StateFun registers them in order.
local declared = {}
for i = 1, #ARGV, 3 do
  local typename = declared[ARGV[i]]
  if not typename then
    local cur = redis.call('HGET', KEYS[1], ARGV[i])
    if cur then typename = string.sub(cur, 1, string.find(cur, '\0', 1, true) - 1) end
  end
  if typename and typename ~= ARGV[i + 2] then return { 'CONFLICT', ARGV[i], typename, ARGV[i + 2] } end
  declared[ARGV[i]] = typename or ARGV[i + 2]
end
for i = 1, #ARGV, 3 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, 'OK')
return all
