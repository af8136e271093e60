import type { Ctx } from "../context";
import { planeOf } from "../dispatch/plane";
import { readCheckpointLag, type CheckpointLag } from "../durability/lag";
import { currentRegistryVersion } from "../registry/registry-bus";
import { liveWorkers, type WorkerInfo } from "./workers";
import { readQuarantine } from "../durability/quarantine";

type Check = { ok: boolean; latencyMs?: number; error?: string };

async function timed(fn: () => Promise<unknown>, timeoutMs = 2_000): Promise<Check> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(ctx: Ctx) {
  const [postgres, redis] = await Promise.all([timed(() => ctx.db.$queryRaw`SELECT 1`), timed(() => ctx.redis.ping())]);
  // changes the checkpoint set aside because Postgres could not store them: named, so an operator can act
  const quarantine = postgres.ok ? await readQuarantine(ctx.db, 20).catch(() => null) : null;
  let workers: WorkerInfo[] = [];
  let registryVersion = 0;
  let checkpoint: CheckpointLag | null = null;
  if (redis.ok) {
    const { prefix, seq } = planeOf(ctx).keys;
    [workers, registryVersion, checkpoint] = await Promise.all([liveWorkers(ctx), currentRegistryVersion(ctx.redis, ctx.keys), readCheckpointLag(ctx.redis, prefix, seq)]);
  }
  // past the lag cap, claiming pauses (LagGate) and a Redis loss would cost more than the cap promises
  const lagging = checkpoint !== null && ctx.env.CHECKPOINT_LAG_CAP_MS > 0 && checkpoint.lagMs > ctx.env.CHECKPOINT_LAG_CAP_MS;
  const status = !postgres.ok || !redis.ok ? "down" : workers.length === 0 || lagging ? "degraded" : "ok";
  return { status, postgres, redis, workers: { live: workers.length, list: workers, dispatchGroups: ctx.env.DISPATCH_GROUPS }, registryVersion, checkpoint, checkpointLagCapMs: ctx.env.CHECKPOINT_LAG_CAP_MS, quarantine } as const;
}
