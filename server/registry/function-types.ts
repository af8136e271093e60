import type { Ctx } from "../context";
import { planeOf } from "../dispatch/plane";
import { liveRegistry } from "./live-registry";
import { functionTypeOf, parseAddress } from "../dispatch/keys";
import { getOrSet } from "../collections";

/**
 * Function types the system knows: bound by an exact endpoint, registered through the protocol (state specs),
 * or seen by the data plane (partition stats). Counts come from the per-partition stats hashes the scripts
 * maintain (`<type>|addresses`, `<type>|backlog`) and the parked sets — never a key scan.
 */
export async function listFunctionTypes(ctx: Ctx) {
  const k = planeOf(ctx).keys;
  const reg = (await liveRegistry(ctx)).current;
  const types = new Map<string, { addresses: number; backlog: number; parked: number }>();
  const get = (t: string) => getOrSet(types, t, () => ({ addresses: 0, backlog: 0, parked: 0 }));
  for (const e of reg.endpoints) if (e.typeName) get(e.functions);

  const pipe = ctx.redis.pipeline();
  for (let p = 0; p < k.partitions; p++) {
    pipe.hgetall(k.stats(p));
    pipe.zrange(k.parked(p), 0, -1);
  }
  const res = (await pipe.exec()) ?? [];
  for (let i = 0; i < res.length; i += 2) {
    const stats = (res[i][1] ?? {}) as Record<string, string>;
    for (const [field, v] of Object.entries(stats)) {
      const bar = field.lastIndexOf("|");
      const metric = field.slice(bar + 1);
      if (metric === "addresses" || metric === "backlog") get(field.slice(0, bar))[metric] += Number(v);
    }
    for (const addr of (res[i + 1][1] ?? []) as string[]) {
      const a = parseAddress(addr);
      if (a) get(functionTypeOf(a)).parked++;
    }
  }
  const specKeys = await scanKeys(ctx, `${k.prefix}:specs:*`);
  for (const key of specKeys) get(key.slice(`${k.prefix}:specs:`.length));

  return {
    functions: [...types]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([functionType, c]) => {
        const ep = reg.resolve(functionType);
        return {
          functionType,
          pattern: ep?.functions ?? null,
          endpointId: ep?.id ?? null,
          application: ep?.application ?? null,
          paused: ep?.paused ?? false,
          addresses: c.addresses,
          backlog: Math.max(0, c.backlog),
          parked: c.parked,
        };
      }),
  };
}

async function scanKeys(ctx: Ctx, match: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await ctx.redis.scan(cursor, "MATCH", match, "COUNT", 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return out;
}
