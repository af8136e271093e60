import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";
import { freePort, spawnEntry, waitFor, type Spawned } from "../support/processes";

let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;
let worker: Spawned;
let healthz: string;

type WorkerView = { ok: boolean; registryVersion: number; endpoints: Array<{ functions: string; paused: boolean }> };
const view = async (): Promise<WorkerView> => (await fetch(healthz)).json() as Promise<WorkerView>;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  const port = await freePort();
  healthz = `http://127.0.0.1:${port}/healthz`;
  worker = spawnEntry("worker/index.ts", { ...ctx.childEnv, WORKER_HEALTH_PORT: String(port), LOG_LEVEL: "info" });
  await waitFor(async () => (await fetch(healthz)).ok, 20_000, 100).catch((e) => {
    throw new Error(`${e}\n${worker.output()}`);
  });
});
afterAll(async () => {
  if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  setAppContext(undefined);
  await ctx.cleanup();
});

describe("a running worker process", () => {
  it("is reported live by /api/health", async () => {
    const h = await waitFor(async () => {
      const res = await call("GET", "/api/health");
      return res.json.workers.live === 1 ? res : null;
    }, 5_000);
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ status: "ok", postgres: { ok: true }, redis: { ok: true } });
    expect(h.json.workers.list[0].roles).toContain("registry");
  });

  it("sees a new endpoint within 1 s, without restarting", async () => {
    await call("POST", "/api/v1/applications", { body: { name: "live" } });
    const t0 = performance.now();
    const res = await call("POST", "/api/v1/applications/{app}/endpoints", {
      params: { app: "live" },
      body: { functions: "live/*", urlPathTemplate: "http://127.0.0.1:9/statefun", skipProbe: true },
    });
    expect(res.status).toBe(201);
    await waitFor(async () => (await view()).endpoints.some((e) => e.functions === "live/*"), 1_000, 10);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(1_000);
  });

  it("sees a pause within 1 s, and the registry version it loaded matches Redis", async () => {
    await call("POST", "/api/v1/applications/{app}/pause", { params: { app: "live" } });
    await waitFor(async () => (await view()).endpoints.find((e) => e.functions === "live/*")?.paused === true, 1_000, 10);
    const version = Number(await ctx.redis.get(ctx.keys.registryVersion));
    expect((await view()).registryVersion).toBe(version);
  });

  it("sees a deleted application disappear within 1 s", async () => {
    await call("DELETE", "/api/v1/applications/{app}", { params: { app: "live" } });
    await waitFor(async () => !(await view()).endpoints.some((e) => e.functions === "live/*"), 1_000, 10);
  });

  it("shuts down cleanly on SIGTERM and leaves the live set", async () => {
    worker.child.kill("SIGTERM");
    const { code } = await worker.exited;
    expect(code).toBe(0);
    const res = await call("GET", "/api/health");
    expect(res.json.workers.live).toBe(0);
    expect(res.json.status).toBe("degraded");
  });
});
