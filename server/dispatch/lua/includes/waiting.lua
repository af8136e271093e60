-- Addresses that waited for a call slot (claim-2.lua sets them waiting, per endpoint) go back to the head of
-- the ready list in the order they waited: they were ready before anything behind them. Moves the first `max`
-- of `list` (0: all) and returns how many moved.
local function waiting_give_back(list, ready, max)
  local moved = redis.call('LRANGE', list, 0, max > 0 and max - 1 or -1)
  if #moved == 0 then return 0 end
  redis.call('LTRIM', list, #moved, -1)
  for i = #moved, 1, -1 do redis.call('LPUSH', ready, moved[i]) end
  return #moved
end
