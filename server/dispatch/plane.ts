import type { Ctx } from "../context";
import { DataPlane } from "./data-plane";

export function dataPlaneFor(ctx: Ctx): DataPlane {
  return new DataPlane(ctx.redis, ctx.env.STATEHOUSE_REDIS_PREFIX, ctx.env.STATEHOUSE_PARTITIONS, ctx.env.DISPATCH_GROUPS, ctx.env.DISPATCH_LUA_OVERRIDES);
}

const planes = new WeakMap<Ctx, DataPlane>();

/** The context's data plane (and key layout), built once per context. */
export const planeOf = (ctx: Ctx): DataPlane => planes.get(ctx) ?? planes.set(ctx, dataPlaneFor(ctx)).get(ctx)!;
