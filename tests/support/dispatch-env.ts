import { setAppContext } from "@/server/context";
import { startFunctionServer, type FunctionServer } from "@/examples/functions/server";
import { createTestContext, type TestContext } from "./test-context";
import { apiClient } from "./api-client";
import { freePort, spawnEntry, waitFor, type Spawned } from "./processes";

export interface WorkerProcess extends Spawned {
  healthz: string;
  /** What the worker reports on /healthz (dispatch stats, loaded registry). */
  view(): Promise<{ dispatch: { activations: number; slices: number; groupsHeld: number[] } }>;
}

export interface DispatchEnv {
  ctx: TestContext;
  call: Awaited<ReturnType<typeof apiClient>>;
  fns: FunctionServer;
  workers: WorkerProcess[];
  startWorker(extraEnv?: Record<string, string>): Promise<WorkerProcess>;
  /** Egress records of an application's egress, oldest first, as UTF-8 payload strings of playground records. */
  egressPayloads(app: string, egressId?: string): Promise<Array<{ topic: string; payload: string }>>;
  stop(): Promise<void>;
}

/** A test schema + key prefix, the official-SDK demo functions, and real worker processes. */
export async function createDispatchEnv(overrides: Record<string, string> = {}): Promise<DispatchEnv> {
  const ctx = await createTestContext({ DISPATCH_GROUPS: "4", STATEHOUSE_PARTITIONS: "16", DISPATCH_SLICE_MS: "2000", DISPATCH_LEASE_MS: "3000", ...overrides });
  setAppContext(ctx);
  const call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  const fns = await startFunctionServer({ port: 0 });
  const workers: WorkerProcess[] = [];
  const env: DispatchEnv = {
    ctx,
    call,
    fns,
    workers,
    async startWorker(extra = {}) {
      const port = await freePort();
      const healthz = `http://127.0.0.1:${port}/healthz`;
      const w: WorkerProcess = Object.assign(spawnEntry("worker/index.ts", { ...ctx.childEnv, WORKER_HEALTH_PORT: String(port), ...extra }), {
        healthz,
        view: async () => (await fetch(healthz)).json(),
      });
      workers.push(w);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 40_000, 100).catch((e) => {
        throw new Error(`${e}\n${w.output()}`);
      });
      return w;
    },
    async egressPayloads(app, egressId = "io.statefun.playground/egress") {
      const rows = await ctx.redis.xrange(`${ctx.keys.prefix}:eg:${app}:${egressId}`, "-", "+");
      return rows.map(([, f]) => {
        const rec = JSON.parse(f[f.indexOf("v") + 1]) as { topic: string; payload: string };
        return { topic: rec.topic, payload: rec.payload };
      });
    },
    async stop() {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
      setAppContext(undefined);
      await fns.close();
      await ctx.cleanup();
    },
  };
  return env;
}
