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
  /**
   * The dispatch partition groups this worker held at its last heartbeat, ascending. A group moves between
   * workers at slice ends (DISPATCH_SLICE_MS), so this is a snapshot, at most one heartbeat old.
   */
  groupsHeld: number[];
}

/** A worker counts as live while its heartbeat is younger than three intervals. */
const liveWindow = (ctx: Ctx) => ctx.env.WORKER_HEARTBEAT_MS * 3;

type HeartbeatInput = Omit<WorkerInfo, "lastSeenAt" | "host" | "pid" | "groupsHeld"> & { groupsHeld?: Iterable<number> };

export async function writeHeartbeat(ctx: Ctx, w: HeartbeatInput): Promise<void> {
  const now = ctx.now();
  const groupsHeld = [...(w.groupsHeld ?? [])].sort((a, b) => a - b);
  const info: WorkerInfo = { ...w, groupsHeld, host: hostname(), pid: process.pid, lastSeenAt: now.toISOString() };
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
  // a heartbeat written before groupsHeld existed (a worker not yet upgraded) holds none that we know of
  return raw.filter((r): r is string => r !== null).map((r) => ({ groupsHeld: [], ...(JSON.parse(r) as Omit<WorkerInfo, "groupsHeld">) }));
}
