import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeHeartbeat, liveWorkers, removeHeartbeat } from "@/server/operations/workers";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";

let env: DispatchEnv;
beforeAll(async () => {
  env = await createDispatchEnv({ DISPATCH_GROUPS: "4", WORKER_HEARTBEAT_MS: "300" });
});
afterAll(async () => env?.stop());

type HealthWorker = { id: string; groupsHeld: number[] };

describe("GET /api/health: the partition groups each worker holds", () => {
  it("lists a real worker's held groups, as its own /healthz sees them, and how many groups there are", async () => {
    const w = await env.startWorker({ WORKER_HEARTBEAT_MS: "300" });
    // one worker with DISPATCH_GROUPS slots takes every group job once they are queued
    const health = await waitFor(async () => {
      const res = await env.call("GET", "/api/health");
      const list = res.json.workers.list as HealthWorker[];
      return list.length === 1 && list[0].groupsHeld.length === 4 ? res.json : null;
    }, 20_000, 100);
    expect(health.workers.dispatchGroups).toBe(4);
    expect(health.checkpointLagCapMs).toBe(env.ctx.env.CHECKPOINT_LAG_CAP_MS);
    expect(health.workers.list[0].groupsHeld).toEqual([0, 1, 2, 3]);
    const own = await w.view();
    expect(own.dispatch.groupsHeld).toEqual([0, 1, 2, 3]);
  });

  it("reads a heartbeat written before groupsHeld existed as holding none, and sorts what a heartbeat gives", async () => {
    const legacy = { id: "legacy", host: "h", pid: 1, startedAt: new Date().toISOString(), lastSeenAt: new Date().toISOString(), registryVersion: 0, roles: ["dispatch"] };
    await env.ctx.redis.multi().set(env.ctx.keys.worker("legacy"), JSON.stringify(legacy), "PX", 10_000).zadd(env.ctx.keys.workersLive, Date.now(), "legacy").exec();
    await writeHeartbeat(env.ctx, { id: "unsorted", startedAt: new Date().toISOString(), registryVersion: 0, roles: [], groupsHeld: new Set([3, 1, 2]) });
    try {
      const byId = new Map((await liveWorkers(env.ctx)).map((x) => [x.id, x]));
      expect(byId.get("legacy")?.groupsHeld).toEqual([]);
      expect(byId.get("unsorted")?.groupsHeld).toEqual([1, 2, 3]);
    } finally {
      await removeHeartbeat(env.ctx, "legacy");
      await removeHeartbeat(env.ctx, "unsorted");
    }
  });
});
