import type pg from "pg";
import { Partitioning } from "@/server/dispatch/keys";
import type { TestContext } from "./test-context";

/**
 * The durable part of a data plane — versions, values with their write times, the after-invoke clock,
 * mailboxes in order, pending timers with absolute due times — read from Redis or from the checkpoint tables,
 * in one comparable shape. Leases, ready lists, parked flags and stats are not durable and not compared.
 */
export interface DurableSnapshot {
  addresses: Record<string, { version: number; invokedAt: number | null; values: Record<string, { b64: string; writtenAt: number }> }>;
  mailboxes: Record<string, string[]>;
  timers: Record<string, { dueAt: number; b64: string }>;
  /** State specs per function type, as first registered. */
  specs: Record<string, Record<string, string>>;
}

async function scanKeys(ctx: TestContext, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await ctx.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return out;
}

export async function redisSnapshot(ctx: TestContext): Promise<DurableSnapshot> {
  const k = new Partitioning(ctx.env.STATEHOUSE_REDIS_PREFIX, ctx.env.STATEHOUSE_PARTITIONS, ctx.env.DISPATCH_GROUPS);
  const snap: DurableSnapshot = { addresses: {}, mailboxes: {}, timers: {}, specs: {} };
  const after = (key: string, tag: string) => key.slice(key.indexOf(`}:${tag}:`) + tag.length + 3);
  for (const key of await scanKeys(ctx, `${k.prefix}:{p*}:a:*`)) {
    const address = after(key, "a");
    const ver = await ctx.redis.hget(key, "ver");
    if (!ver || ver === "0") continue;
    const st = await ctx.redis.hgetallBuffer(k.state(k.partitionOf(address), address));
    const values: DurableSnapshot["addresses"][string]["values"] = {};
    for (const [f, v] of Object.entries(st)) if (f.startsWith("v:")) values[f.slice(2)] = { b64: v.toString("base64"), writtenAt: Number(st[`w:${f.slice(2)}`]?.toString()) };
    snap.addresses[address] = { version: Number(ver), invokedAt: st._i ? Number(st._i.toString()) : null, values };
  }
  for (const key of await scanKeys(ctx, `${k.prefix}:{p*}:m:*`)) {
    const list = await ctx.redis.lrangeBuffer(key, 0, -1);
    if (list.length) snap.mailboxes[after(key, "m")] = list.map((b) => b.toString("base64"));
  }
  for (const key of await scanKeys(ctx, `${k.prefix}:specs:*`)) snap.specs[key.slice(`${k.prefix}:specs:`.length)] = await ctx.redis.hgetall(key);
  for (let p = 0; p < k.partitions; p++) {
    const ids = await ctx.redis.zrange(k.timers(p), 0, -1, "WITHSCORES");
    for (let i = 0; i < ids.length; i += 2) {
      const data = await ctx.redis.hgetBuffer(k.timerData(p), ids[i]);
      snap.timers[`${p}/${ids[i]}`] = { dueAt: Number(ids[i + 1]), b64: data?.toString("base64") ?? "" };
    }
  }
  return snap;
}

export async function postgresSnapshot(pool: pg.Pool): Promise<DurableSnapshot> {
  const snap: DurableSnapshot = { addresses: {}, mailboxes: {}, timers: {}, specs: {} };
  for (const a of (await pool.query(`SELECT address, version, invoked_at FROM cp_address`)).rows)
    snap.addresses[a.address] = { version: Number(a.version), invokedAt: a.invoked_at === null ? null : Number(a.invoked_at), values: {} };
  for (const v of (await pool.query(`SELECT address, name, value, written_at FROM cp_value`)).rows)
    (snap.addresses[v.address] ??= { version: 0, invokedAt: null, values: {} }).values[v.name] = { b64: (v.value as Buffer).toString("base64"), writtenAt: Number(v.written_at) };
  for (const m of (await pool.query(`SELECT address, entry FROM cp_message ORDER BY address, seq, idx`)).rows) (snap.mailboxes[m.address] ??= []).push((m.entry as Buffer).toString("base64"));
  for (const t of (await pool.query(`SELECT partition, id, due_at, data FROM cp_timer`)).rows) snap.timers[`${t.partition}/${t.id}`] = { dueAt: Number(t.due_at), b64: (t.data as Buffer).toString("base64") };
  for (const s of (await pool.query(`SELECT function_type, name, spec FROM cp_spec`)).rows) (snap.specs[s.function_type] ??= {})[s.name] = (s.spec as Buffer).toString();
  return snap;
}

/** Sizes, for messages that say what a test compared. */
export const sizeOf = (s: DurableSnapshot) => ({
  addresses: Object.keys(s.addresses).length,
  values: Object.values(s.addresses).reduce((n, a) => n + Object.keys(a.values).length, 0),
  messages: Object.values(s.mailboxes).reduce((n, m) => n + m.length, 0),
  timers: Object.keys(s.timers).length,
});

/**
 * Every key of this deployment's prefix gone in one atomic step, as FLUSHALL would do to a Redis of its own (the
 * test Redis is shared, so FLUSHALL itself is not an option). A scan-and-delete from the client would race the
 * recovery it triggers.
 */
export async function wipeRedis(ctx: TestContext): Promise<number> {
  const lua = `local n, cursor = 0, '0'
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do n = n + redis.call('DEL', k) end
until cursor == '0'
return n`;
  return (await ctx.redis.eval(lua, 0, `${ctx.env.STATEHOUSE_REDIS_PREFIX}:*`)) as number;
}
