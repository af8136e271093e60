--[[
  Register state specs for a function type; the first registration of a name wins (StateFun keeps the first
  TTL), and a different type for a registered name is a conflict.
  KEYS[1] specs hash (name -> typename \0 expire mode \0 expire after ms)
  ARGV: triples of name, spec, typename
  Returns {'OK', name, spec, ...} (every registered spec) or {'CONFLICT', name, registered typename, declared typename}.
]]
for i = 1, #ARGV, 3 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur then
    local typename = string.sub(cur, 1, string.find(cur, '\0', 1, true) - 1)
    if typename ~= ARGV[i + 2] then return { 'CONFLICT', ARGV[i], typename, ARGV[i + 2] } end
  end
end
for i = 1, #ARGV, 3 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, 'OK')
return all
