import type { Redis } from "../redis";

/**
 * The playground egress's `GET /{topic}` pops: each record of a topic is handed out once. The records stay in
 * the application's egress stream (the console and the API read them too); a per-topic cursor, kept in a hash
 * beside the stream, says how far the pops got. Finding the next record and moving the cursor past it is one
 * script, so two concurrent GETs can never get the same record.
 * KEYS[1] the egress stream, KEYS[2] the cursor hash; ARGV[1] topic, ARGV[2] most entries to scan, ARGV[3] the
 * mode: '' pops, '?' only looks (the cursor stays), any other value pops only if it is the next record's id.
 * Returns {id, value} of the next record (for a conditional pop of another record: {id}, not popped), or false
 * when no record of the topic is left (a pop then moves the cursor past the other topics' entries it scanned,
 * so the next pop does not scan them again).
 */
const POP_LUA = `
local cur = redis.call('HGET', KEYS[2], ARGV[1]) or '0-0'
local start = cur
local left = tonumber(ARGV[2])
local mode = ARGV[3]
while left > 0 do
  local rows = redis.call('XRANGE', KEYS[1], '(' .. cur, '+', 'COUNT', math.min(left, 200))
  if #rows == 0 then break end
  for _, row in ipairs(rows) do
    left = left - 1
    local f = row[2]
    local topic, v
    for i = 1, #f, 2 do
      if f[i] == 'topic' then topic = f[i + 1] elseif f[i] == 'v' then v = f[i + 1] end
    end
    if topic == ARGV[1] then
      if mode == '?' then return {row[1], v or ''} end
      if mode ~= '' and mode ~= row[1] then
        if cur ~= start then redis.call('HSET', KEYS[2], ARGV[1], cur) end
        return {row[1]}
      end
      redis.call('HSET', KEYS[2], ARGV[1], row[1])
      return {row[1], v or ''}
    end
    cur = row[1]
  end
end
if cur ~= start and mode ~= '?' then redis.call('HSET', KEYS[2], ARGV[1], cur) end
return false
`;

const MAX_SCANNED = 10_000;
const defined = new WeakSet<Redis>();
type PopCmd = (stream: string, cursors: string, topic: string, maxScanned: number, mode: string) => Promise<Buffer[] | null>;

/** The next record of a topic: its stream id, and its `v` (the EgressRecord JSON) unless a conditional pop found another record. */
export interface NextRecord {
  id: string;
  value: Buffer | null;
}

/**
 * The pops' cursor hash of an egress stream. The stream's whole key is the cursor's hash tag, so on a Redis Cluster
 * both keys of the script hash to the stream's slot (the stream key itself holds no braces: names cannot); and the
 * cursor's key starts with the stream's, so it stays under the deployment's key prefix like every other key.
 */
export const popCursorKey = (stream: string): string => `${stream}:{${stream}}:pop`;

async function runPop(redis: Redis, stream: string, topic: string, mode: string): Promise<NextRecord | null> {
  if (!defined.has(redis)) {
    redis.defineCommand("sh_playgroundPop", { numberOfKeys: 2, lua: POP_LUA });
    defined.add(redis);
  }
  const cmd = (redis as unknown as { sh_playgroundPopBuffer: PopCmd }).sh_playgroundPopBuffer.bind(redis);
  const r = await cmd(stream, popCursorKey(stream), topic, MAX_SCANNED, mode);
  return r ? { id: r[0].toString("latin1"), value: r[1] ?? null } : null;
}

/** Pops the next unpopped record of `topic` in the egress stream, or null when none is left. */
export async function popEgressRecord(redis: Redis, stream: string, topic: string): Promise<NextRecord | null> {
  return runPop(redis, stream, topic, "");
}

/** The next unpopped record of `topic`, left in place. */
export async function peekEgressRecord(redis: Redis, stream: string, topic: string): Promise<NextRecord | null> {
  return runPop(redis, stream, topic, "?");
}

/**
 * Pops the next record of `topic` only if it is `id` (value null, nothing popped, when another record is next).
 * The demo's trickle takes back its own greetings this way, so a user's `curl …/greetings` gets the user's.
 */
export async function popEgressRecordIf(redis: Redis, stream: string, topic: string, id: string): Promise<NextRecord | null> {
  return runPop(redis, stream, topic, id);
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
