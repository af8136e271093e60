import { hostname } from "node:os";
import type { Ctx } from "../context";

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  lastSeenAt: string;
  registryVersion: number;
  roles: string[];
}

/** A worker counts as live while its heartbeat is younger than three intervals. */
const liveWindow = (ctx: Ctx) => ctx.env.WORKER_HEARTBEAT_MS * 3;

export async function writeHeartbeat(ctx: Ctx, w: Omit<WorkerInfo, "lastSeenAt" | "host" | "pid">): Promise<void> {
  const now = ctx.now();
  const info: WorkerInfo = { ...w, host: hostname(), pid: process.pid, lastSeenAt: now.toISOString() };
  await ctx.redis
    .multi()
    .set(ctx.keys.worker(w.id), JSON.stringify(info), "PX", liveWindow(ctx))
    .zadd(ctx.keys.workersLive, now.getTime(), w.id)
    .zremrangebyscore(ctx.keys.workersLive, "-inf", now.getTime() - liveWindow(ctx))
    .exec();
}

export async function removeHeartbeat(ctx: Ctx, id: string): Promise<void> {
  await ctx.redis.multi().del(ctx.keys.worker(id)).zrem(ctx.keys.workersLive, id).exec();
}

export async function liveWorkers(ctx: Ctx): Promise<WorkerInfo[]> {
  const ids = await ctx.redis.zrangebyscore(ctx.keys.workersLive, ctx.now().getTime() - liveWindow(ctx), "+inf");
  if (ids.length === 0) return [];
  const raw = await ctx.redis.mget(ids.map((id) => ctx.keys.worker(id)));
  return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WorkerInfo);
}
