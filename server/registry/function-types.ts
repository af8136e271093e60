import type { Ctx } from "../context";
import { planeOf } from "../dispatch/plane";
import { liveRegistry } from "./live-registry";
import { functionTypeOf, parseAddress } from "../dispatch/keys";
import { getOrSet } from "../collections";
import { checkpointTypes } from "./seen-types";

/**
 * Parked addresses counted one by one up to this many in all (one ZRANGE per partition); past it, each partition's
 * share per function type is estimated from a random sample of its parked set, and the answer says so.
 */
const PARKED_EXACT_MAX = 20_000;
const PARKED_SAMPLE = 200;

/**
 * Function types the system knows: bound by an exact endpoint, present in the checkpoint (state, mailboxes, delayed
 * messages), or seen by the data plane (partition stats). Nothing here scans Redis's key space or reads per address:
 * address and backlog counts come from the per-partition stats hashes the scripts maintain (`<type>|addresses`,
 * `<type>|backlog`), parked counts from the per-partition parked sets (exact while small, sampled beyond
 * PARKED_EXACT_MAX), the types in the checkpoint from a skip scan of its function-type indexes.
 */
export async function listFunctionTypes(ctx: Ctx, opts: { parkedExactMax?: number } = {}) {
  const k = planeOf(ctx).keys;
  const [reg, seen] = await Promise.all([liveRegistry(ctx), checkpointTypes(ctx)]);
  const types = new Map<string, { addresses: number; backlog: number; parked: number }>();
  const get = (t: string) => getOrSet(types, t, () => ({ addresses: 0, backlog: 0, parked: 0 }));
  for (const e of reg.current.endpoints) if (e.typeName) get(e.functions);
  for (const t of seen) get(t);

  const pipe = ctx.redis.pipeline();
  for (let p = 0; p < k.partitions; p++) {
    pipe.hgetall(k.stats(p));
    pipe.zcard(k.parked(p));
  }
  const res = (await pipe.exec()) ?? [];
  const parkedIn: number[] = [];
  for (let i = 0; i < res.length; i += 2) {
    const stats = (res[i][1] ?? {}) as Record<string, string>;
    for (const [field, v] of Object.entries(stats)) {
      const bar = field.lastIndexOf("|");
      const metric = field.slice(bar + 1);
      if (metric === "addresses" || metric === "backlog") get(field.slice(0, bar))[metric] += Number(v);
    }
    parkedIn.push(Number(res[i + 1][1] ?? 0));
  }

  const parkedTotal = parkedIn.reduce((a, b) => a + b, 0);
  const parkedEstimated = parkedTotal > (opts.parkedExactMax ?? PARKED_EXACT_MAX);
  if (parkedTotal > 0) {
    const partitions = parkedIn.map((n, p) => (n > 0 ? p : -1)).filter((p) => p >= 0);
    const members = ctx.redis.pipeline();
    for (const p of partitions) {
      if (parkedEstimated) members.zrandmember(k.parked(p), Math.min(PARKED_SAMPLE, parkedIn[p]));
      else members.zrange(k.parked(p), 0, -1);
    }
    const got = (await members.exec()) ?? [];
    partitions.forEach((p, j) => {
      const sample = (got[j][1] ?? []) as string[];
      // each sampled address stands for card/sample of its partition's parked addresses
      const weight = sample.length ? parkedIn[p] / sample.length : 0;
      for (const addr of sample) {
        const a = parseAddress(addr);
        if (a) get(functionTypeOf(a)).parked += weight;
      }
    });
  }

  return {
    functions: [...types]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([functionType, c]) => {
        const ep = reg.current.resolve(functionType);
        return {
          functionType,
          pattern: ep?.functions ?? null,
          endpointId: ep?.id ?? null,
          endpointUrl: ep?.urlPathTemplate ?? null,
          application: ep?.application ?? null,
          paused: ep?.paused ?? false,
          addresses: c.addresses,
          backlog: Math.max(0, c.backlog),
          parked: Math.round(c.parked),
          parkedEstimated,
        };
      }),
  };
}
