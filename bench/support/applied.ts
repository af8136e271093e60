import type { Pool } from "undici";
import type { Redis } from "../../server/redis";
import type { DataPlane } from "../../server/dispatch/data-plane";
import { decodePrimitive, PRIMITIVE_TYPENAMES } from "../../server/protocol/typed-values";
import { waitFor } from "../../tests/support/processes";

/**
 * What the data plane says was applied, read straight from Redis: the partition stats the commit script keeps,
 * the changelog streams (one record per commit: its time and messages consumed) and the counter function's state
 * `n` (an int, +1 per message: bench/counter-function.ts).
 */
export function appliedProbe(redis: Redis, plane: DataPlane, pollMs = 250) {
  const P = plane.keys.partitions;
  /** Σ over the partitions of one stats field, e.g. `bench/a|in` (messages applied to the type). */
  const statsSum = async (field: string) => {
    const pipe = redis.pipeline();
    for (let p = 0; p < P; p++) pipe.hget(plane.keys.stats(p), field);
    return (await pipe.exec())!.reduce((s, [, v]) => s + Number(v ?? 0), 0);
  };
  /** Commits of the addresses starting with `prefix`, from the changelog streams: [time, messages consumed], oldest first. */
  const commitsOf = async (prefix: string) => {
    const pipe = redis.pipeline();
    for (let p = 0; p < P; p++) pipe.xrange(plane.keys.changelog(p), "-", "+");
    const out: Array<[number, number]> = [];
    for (const [, rows] of (await pipe.exec())!)
      for (const [, f] of rows as Array<[string, string[]]>) {
        const rec: Record<string, string> = {};
        for (let i = 0; i < f.length; i += 2) rec[f[i]] = f[i + 1];
        if (rec.a?.startsWith(prefix)) out.push([Number(rec.at), Number(rec.n)]);
      }
    return out.sort((x, y) => x[0] - y[0]);
  };
  /** Σ of the counters `n` of these addresses. */
  const counterSum = async (addresses: string[]) => {
    let sum = 0;
    for (let i = 0; i < addresses.length; i += 5000) {
      const pipe = redis.pipeline();
      for (const a of addresses.slice(i, i + 5000)) pipe.hgetBuffer(plane.keys.state(plane.keys.partitionOf(a), a), "v:n");
      for (const [, v] of (await pipe.exec())!) if (v) sum += decodePrimitive(PRIMITIVE_TYPENAMES.int, v as Buffer);
    }
    return sum;
  };
  // End times come from the changelog: polling only says when to look, and a poll is one HGET per partition
  // (at 20 ms, 12,800 HGETs a second: ~6% of the CPU Redis spent in dispatch's c, charged to the system under test).
  const waitApplied = async (type: string, expected: number, timeoutMs: number) =>
    waitFor(async () => (await statsSum(`${type}|in`)) >= expected, timeoutMs, pollMs).catch(async () => {
      throw new Error(`${type}: only ${await statsSum(`${type}|in`)} of ${expected} messages applied within ${timeoutMs} ms`);
    });
  return { statsSum, commitsOf, counterSum, waitApplied };
}

/** p50 and p99 (nearest rank), to 0.01. */
export const quantiles = (xs: number[]) => {
  const s = Float64Array.from(xs).sort();
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 100) / 100;
  return s.length ? { p50: at(0.5), p99: at(0.99) } : { p50: null, p99: null };
};

/**
 * `messages` single-message PUTs of a `bench/Tick` (carrying its send time) to `type`/0 … `type`/`addresses`-1, round
 * robin, `concurrency` at a time, as a user's clients send them. Returns how many were accepted (202), the count of
 * each status and every request's time (ms, at the client).
 */
export async function putEach(pool: Pool, o: { auth: string; type: string; addresses: number; messages: number; concurrency: number }) {
  let next = 0;
  let accepted = 0;
  const statuses: Record<number, number> = {};
  const reqMs: number[] = [];
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.messages) {
        const i = next++;
        const t = performance.now();
        const res = await pool.request({ method: "PUT", path: `/api/v1/ingress/${o.type}/${i % o.addresses}`, headers: { authorization: o.auth, "content-type": "application/vnd.bench/Tick" }, body: `{"t":${Date.now()}}` });
        await res.body.dump();
        reqMs.push(performance.now() - t);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 202) accepted++;
      }
    }),
  );
  return { accepted, statuses, reqMs };
}
