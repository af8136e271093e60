import type pg from "pg";
import type { Logger } from "../logger";
import type { Redis } from "../redis";
import { functionTypeOf, parseAddress, type Partitioning } from "../dispatch/keys";
import { inTransaction } from "../pg";
import { markerValue } from "../dispatch/data-plane";
import { readCursor } from "./checkpoint-store";

const PAGE = 5_000;

export interface RecoveryReport {
  seq: number;
  generation: number;
  addresses: number;
  values: number;
  messages: number;
  timers: number;
  ms: number;
}

/**
 * The marker is missing: either a deployment that was never checkpointed (it starts empty: create the marker),
 * or Redis lost its data. Only the second needs `recoverDataPlane`. Returns true when the marker now exists.
 */
export async function createMarkerIfFresh(redis: Redis, keys: Partitioning, hasCheckpoint: () => Promise<boolean>): Promise<boolean> {
  if (await redis.exists(keys.marker)) return true;
  if (await hasCheckpoint()) return false;
  await redis.set(keys.marker, markerValue("fresh"), "NX");
  return true;
}

/**
 * Rebuilds the data plane from the last checkpoint after Redis came back empty: state, versions, mailboxes in
 * order, timers with their absolute due times, the global sequence. While the marker is absent every writing
 * script refuses (NOPLANE) or does nothing (claim, timers), so nothing interleaves with the rebuild; the marker
 * is set last. Partition epochs move to a new generation, so a commit prepared before the loss can never match.
 */
export async function recoverDataPlane(redis: Redis, pool: pg.Pool, keys: Partitioning, log: Logger): Promise<RecoveryReport | null> {
  const started = Date.now();
  const cursor = await readCursor(pool);
  if (!cursor) {
    await createMarkerIfFresh(redis, keys, async () => false);
    return null;
  }
  const generation = cursor.generation + 1;
  log.warn({ seq: cursor.seq, generation }, "Redis holds no data plane: rebuilding it from the last checkpoint before dispatching");
  // Whatever Redis still holds of the data plane is older than the checkpoint (a Redis restarted from an old
  // AOF) or a fragment: nobody writes while the marker is absent, so it can be cleared before the rebuild.
  const cleared = await clearDataPlane(redis, keys);
  if (cleared) log.warn({ keys: cleared }, "recovery: cleared what Redis still held of the data plane");
  // Sequences continue above the checkpoint: the checkpointer reads (cursor, G] and must find the new entries.
  await redis.set(keys.seq, cursor.seq);
  const report: RecoveryReport = { seq: cursor.seq, generation, addresses: 0, values: 0, messages: 0, timers: 0, ms: 0 };

  // Read in one REPEATABLE READ snapshot: a checkpointer finishing a round meanwhile cannot tear the copy.
  await inTransaction(
    pool,
    async (c) => {
      await loadAddresses(c, redis, keys, report, log);
      await loadMailboxes(c, redis, keys, report, log);
      await loadTimers(c, redis, keys, report);
      await loadSpecs(c, redis, keys);
    },
    "REPEATABLE READ",
  );
  const pipe = redis.pipeline();
  for (let p = 0; p < keys.partitions; p++) pipe.set(keys.epoch(p), generation);
  await pipe.exec();
  await pool.query(`UPDATE cp_cursor SET generation = $1 WHERE id = 1`, [generation]);
  await redis.set(keys.marker, markerValue("recovery", { fromSeq: cursor.seq, generation }));
  const bell = redis.pipeline();
  // every partition may have ready addresses and timers the runners did not schedule (see Bell)
  for (let p = 0; p < keys.partitions; p++) bell.publish(keys.bell, String(p)).publish(keys.bell, `t${p}`);
  await bell.exec();
  report.ms = Date.now() - started;
  log.warn(report, "data plane rebuilt from the checkpoint; dispatch resumes");
  return report;
}

async function loadAddresses(c: pg.PoolClient, redis: Redis, keys: Partitioning, report: RecoveryReport, log: Logger): Promise<void> {
  let after = "";
  for (;;) {
    // a page of addresses, values inline
    const r = await c.query<{ address: string; function_type: string; version: string; invoked_at: string | null; names: string[]; data: Buffer[]; written: string[] }>(
      `SELECT address, function_type, version, invoked_at, value_names AS names, value_data AS data, value_written AS written FROM cp_address WHERE address > $1 ORDER BY address LIMIT $2`,
      [after, PAGE],
    );
    if (r.rows.length === 0) return;
    const last = r.rows[r.rows.length - 1].address;
    const pipe = redis.pipeline();
    for (const row of r.rows) {
      const p = keys.partitionOf(row.address);
      pipe.hset(keys.meta(p, row.address), "ver", row.version, "sch", "0");
      pipe.hincrby(keys.stats(p), `${row.function_type}|addresses`, 1);
      const f: Array<string | Buffer> = row.names.flatMap((name, i) => [`v:${name}`, row.data[i], `w:${name}`, row.written[i]]);
      if (row.invoked_at !== null) f.push("_i", row.invoked_at);
      if (f.length) pipe.hset(keys.state(p, row.address), ...f);
    }
    await pipe.exec();
    for (const row of r.rows) report.values += row.names.length;
    report.addresses += r.rows.length;
    after = last;
    if (report.addresses % (PAGE * 20) === 0) log.info({ addresses: report.addresses }, "recovery: state restored so far");
  }
}

async function loadMailboxes(c: pg.PoolClient, redis: Redis, keys: Partitioning, report: RecoveryReport, log: Logger): Promise<void> {
  let after: [string, string, number] = ["", "-1", 0];
  let current = "";
  let count = 0;
  const finish = (pipe: ReturnType<Redis["pipeline"]>, address: string, n: number) => {
    const p = keys.partitionOf(address);
    const ref = parseAddress(address);
    pipe.hset(keys.meta(p, address), "sch", "1");
    pipe.rpush(keys.ready(p), address);
    if (ref) pipe.hincrby(keys.stats(p), `${functionTypeOf(ref)}|backlog`, n);
  };
  for (;;) {
    const r = await c.query<{ address: string; seq: string; idx: number; entry: Buffer }>(
      `SELECT address, seq, idx, entry FROM cp_message WHERE (address, seq, idx) > ($1, $2::bigint, $3) ORDER BY address, seq, idx LIMIT $4`,
      [...after, PAGE * 2],
    );
    const pipe = redis.pipeline();
    for (const m of r.rows) {
      if (m.address !== current) {
        if (current) finish(pipe, current, count);
        current = m.address;
        count = 0;
      }
      pipe.rpush(keys.mailbox(keys.partitionOf(m.address), m.address), m.entry);
      count++;
    }
    report.messages += r.rows.length;
    if (r.rows.length === 0) {
      if (current) finish(pipe, current, count);
      await pipe.exec();
      return;
    }
    await pipe.exec();
    const last = r.rows[r.rows.length - 1];
    after = [last.address, last.seq, last.idx];
    if (report.messages % (PAGE * 20) === 0) log.info({ messages: report.messages }, "recovery: messages restored so far");
  }
}

async function loadTimers(c: pg.PoolClient, redis: Redis, keys: Partitioning, report: RecoveryReport): Promise<void> {
  let after: [number, string] = [-1, ""];
  for (;;) {
    const r = await c.query<{ partition: number; id: string; due_at: string; data: Buffer }>(
      `SELECT partition, id, due_at, data FROM cp_timer WHERE (partition, id) > ($1, $2) ORDER BY partition, id LIMIT $3`,
      [...after, PAGE],
    );
    if (r.rows.length === 0) return;
    const pipe = redis.pipeline();
    for (const t of r.rows) {
      pipe.zadd(keys.timers(t.partition), t.due_at, t.id);
      pipe.hset(keys.timerData(t.partition), t.id, t.data);
      // the data starts with the length-prefixed token key (see fire-timers-5.lua)
      const colon = t.data.indexOf(0x3a);
      const len = Number(t.data.subarray(0, colon).toString());
      if (len > 0) pipe.hset(keys.tokens(t.partition), t.data.subarray(colon + 1, colon + 1 + len), t.id);
    }
    await pipe.exec();
    report.timers += r.rows.length;
    const last = r.rows[r.rows.length - 1];
    after = [last.partition, last.id];
  }
}

async function loadSpecs(c: pg.PoolClient, redis: Redis, keys: Partitioning): Promise<void> {
  const r = await c.query<{ function_type: string; name: string; spec: Buffer }>(`SELECT function_type, name, spec FROM cp_spec`);
  const pipe = redis.pipeline();
  for (const s of r.rows) pipe.hset(keys.specs(s.function_type), s.name, s.spec);
  await pipe.exec();
}

/** Deletes every partition key and state-spec hash of the data plane (not BullMQ's, the registry's or metrics). */
async function clearDataPlane(redis: Redis, keys: Partitioning): Promise<number> {
  let n = 0;
  for (const pattern of [`${keys.prefix}:{p*`, `${keys.prefix}:specs:*`]) {
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (found.length) n += await redis.unlink(...found);
      cursor = next;
    } while (cursor !== "0");
  }
  return n;
}
