-- Changelog entries (read by server/durability/changelog.ts). Every durable change of a partition appends one
-- entry to that partition's stream, with id <global sequence>-<chunk>: a flat field list made of records —
-- a header {k kind, g sequence, at ms}, then records of 2 or 4 fields. An entry longer than Lua's unpack limit
-- is split at record boundaries into chunks <seq>-0, <seq>-1, ... (later chunks carry no header). Streams are
-- trimmed only by the checkpointer, after Postgres has committed what they hold.
local function clog_new(seq, now)
  return { seq = seq, now = now, list = {}, by = {} }
end
local function clog_of(logs, key, kind)
  local l = logs.by[key]
  if not l then
    l = { key = key, f = { 'k', kind, 'g', logs.seq, 'at', logs.now }, w = { 6 } }
    logs.list[#logs.list + 1] = l
    logs.by[key] = l
  end
  return l
end
local function clog_rec(l, a, b, c, d)
  local f = l.f
  f[#f + 1] = a; f[#f + 1] = b
  if c then
    f[#f + 1] = c; f[#f + 1] = d
    l.w[#l.w + 1] = 4
  else
    l.w[#l.w + 1] = 2
  end
end
local CLOG_CHUNK = 7000
local function clog_flush(logs)
  for _, l in ipairs(logs.list) do
    local f = l.f
    if #f <= CLOG_CHUNK then
      redis.call('XADD', l.key, logs.seq .. '-0', unpack(f))
    else
      local part, pos, chunk = 0, 1, {}
      for _, w in ipairs(l.w) do
        if #chunk + w > CLOG_CHUNK then
          redis.call('XADD', l.key, logs.seq .. '-' .. part, unpack(chunk))
          part = part + 1
          chunk = {}
        end
        for j = pos, pos + w - 1 do chunk[#chunk + 1] = f[j] end
        pos = pos + w
      end
      if #chunk > 0 then redis.call('XADD', l.key, logs.seq .. '-' .. part, unpack(chunk)) end
    end
  end
end
