import type { Redis } from "../redis";

/**
 * The playground egress's `GET /{topic}` pops: each record of a topic is handed out once. The records stay in
 * the application's egress stream (the console and the API read them too); a per-topic cursor, kept in a hash
 * beside the stream, says how far the pops got. Finding the next record and moving the cursor past it is one
 * script, so two concurrent GETs can never get the same record.
 * KEYS[1] the egress stream, KEYS[2] the cursor hash; ARGV[1] topic, ARGV[2] most entries to scan.
 * Returns the record's value, or false when no record of the topic is left (the cursor then skips the other
 * topics' entries it scanned, so the next pop does not scan them again).
 */
const POP_LUA = `
local cur = redis.call('HGET', KEYS[2], ARGV[1]) or '0-0'
local start = cur
local left = tonumber(ARGV[2])
while left > 0 do
  local rows = redis.call('XRANGE', KEYS[1], '(' .. cur, '+', 'COUNT', math.min(left, 200))
  if #rows == 0 then break end
  for _, row in ipairs(rows) do
    left = left - 1
    cur = row[1]
    local f = row[2]
    local topic, v
    for i = 1, #f, 2 do
      if f[i] == 'topic' then topic = f[i + 1] elseif f[i] == 'v' then v = f[i + 1] end
    end
    if topic == ARGV[1] then
      redis.call('HSET', KEYS[2], ARGV[1], cur)
      return v or ''
    end
  end
end
if cur ~= start then redis.call('HSET', KEYS[2], ARGV[1], cur) end
return false
`;

const MAX_SCANNED = 10_000;
const defined = new WeakSet<Redis>();
type PopCmd = (stream: string, cursors: string, topic: string, maxScanned: number) => Promise<Buffer | null>;

/** The next unpopped record of `topic` in the egress stream (its `v`, the EgressRecord JSON), or null. */
export async function popEgressRecord(redis: Redis, stream: string, topic: string): Promise<Buffer | null> {
  if (!defined.has(redis)) {
    redis.defineCommand("sh_playgroundPop", { numberOfKeys: 2, lua: POP_LUA });
    defined.add(redis);
  }
  const cmd = (redis as unknown as { sh_playgroundPopBuffer: PopCmd }).sh_playgroundPopBuffer.bind(redis);
  return cmd(stream, `${stream}:pop`, topic, MAX_SCANNED);
}

/** The payload the playground returns: an EgressRecord's `payload` as UTF-8 (JSON text when it is not a string). */
export function playgroundPayload(v: Buffer): Buffer {
  try {
    const rec = JSON.parse(v.toString("utf8")) as unknown;
    if (rec && typeof rec === "object" && "payload" in rec) {
      const p = (rec as { payload: unknown }).payload;
      return Buffer.from(typeof p === "string" ? p : JSON.stringify(p), "utf8");
    }
  } catch {
    // not JSON: a record some other way; hand out its bytes as they are
  }
  return v;
}
