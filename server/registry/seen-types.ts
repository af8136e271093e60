import type { Ctx } from "../context";
import type { Endpoint } from "../contracts/registry";
import { CHECKPOINT_TYPES_SQL } from "../durability/app-types";
import { poolOf } from "../durability/pool";
import { planeOf } from "../dispatch/plane";
import { getOrSet } from "../collections";
import { loadRegistrySnapshot } from "./registry-snapshot";

/** Every function type the data plane has seen: in the checkpoint with state, a mailbox or delayed messages. */
export async function checkpointTypes(ctx: Ctx): Promise<Set<string>> {
  const r = await poolOf(ctx).query<{ t: string }>(CHECKPOINT_TYPES_SQL);
  return new Set(r.rows.map((x) => x.t));
}

/**
 * Adds to each endpoint the seen function types that route to it (exact beats wildcard, across applications),
 * each with the state specs it registered through the protocol — for a wildcard, the declared state of types
 * nobody probed. Specs come from Redis (the live copy every worker reads), one hash per type.
 */
export async function withSeenTypes(ctx: Ctx, endpoints: Array<Omit<Endpoint, "seenTypes">>): Promise<Endpoint[]> {
  if (endpoints.length === 0) return [];
  const [types, registry] = await Promise.all([checkpointTypes(ctx), loadRegistrySnapshot(ctx.db, 0)]);
  const wanted = new Set(endpoints.map((e) => e.id));
  const byEndpoint = new Map<string, string[]>();
  for (const t of [...types].sort()) {
    const ep = registry.resolve(t);
    if (ep && wanted.has(ep.id)) getOrSet(byEndpoint, ep.id, () => []).push(t);
  }
  const plane = planeOf(ctx);
  const seen = [...byEndpoint.values()].flat();
  const specs = new Map(await Promise.all(seen.map(async (t) => [t, await plane.loadSpecs(t)] as const)));
  return endpoints.map((e) => ({
    ...e,
    seenTypes: (byEndpoint.get(e.id) ?? []).map((functionType) => ({ functionType, declaredState: specs.get(functionType) ?? [] })),
  }));
}
