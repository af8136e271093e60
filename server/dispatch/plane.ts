import { createMarkerIfFresh } from "../durability/recovery";
import type { Ctx } from "../context";
import { DataPlane } from "./data-plane";
import { getOrSet } from "../collections";

export function dataPlaneFor(ctx: Ctx): DataPlane {
  const plane = new DataPlane(ctx.redis, ctx.env.STATEHOUSE_REDIS_PREFIX, ctx.env.STATEHOUSE_PARTITIONS, ctx.env.DISPATCH_GROUPS, ctx.env.DISPATCH_LUA_OVERRIDES);
  // A deployment never checkpointed starts empty; one with a checkpoint waits for the checkpointer to rebuild Redis.
  plane.ensureMarker = () => createMarkerIfFresh(ctx.redis, plane.keys, async () => (await ctx.db.checkpointCursor.count()) > 0);
  return plane;
}

const planes = new WeakMap<Ctx, DataPlane>();

/** The context's data plane (and key layout), built once per context. */
export const planeOf = (ctx: Ctx): DataPlane => getOrSet(planes, ctx, () => dataPlaneFor(ctx));
