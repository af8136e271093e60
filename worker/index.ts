import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";

// The real environment wins; a local .env fills the gaps (Node >= 20.12).
try {
  process.loadEnvFile();
} catch {}

const { envOrExit } = await import("../server/env");
const { assertDependenciesOrExit } = await import("../server/startup");
const { createContext, closeContext } = await import("../server/context");
const { RegistryCache } = await import("../server/registry/registry-cache");
const { writeHeartbeat, removeHeartbeat } = await import("../server/operations/workers");
const { checkHealth } = await import("../server/operations/health");
const { DispatchService } = await import("../server/dispatch/dispatch-service");
const { WebhookRelay } = await import("../server/egress-webhook/webhook-relay");
const { DispatchMetrics, instrumentCommits } = await import("../server/metrics/dispatch-metrics");
const { MetricsFlusher } = await import("../server/metrics/metrics-flusher");

const env = envOrExit();
await assertDependenciesOrExit(env);

const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
const startedAt = new Date().toISOString();
const ctx = createContext(env, "worker", { process: "worker", worker: id });
const registry = new RegistryCache(ctx);
await registry.start();

const metrics = new DispatchMetrics();
const dispatch = new DispatchService(ctx, registry, metrics);
instrumentCommits(dispatch.plane, metrics);
const flusher = new MetricsFlusher(ctx.redis, env.STATEHOUSE_REDIS_PREFIX, id, metrics, ctx.log);
flusher.start();
await dispatch.start();
const webhooks = new WebhookRelay(ctx, registry);
await webhooks.start();

const roles = ["registry", "dispatch", "egress-webhook"];
const beat = async () => {
  try {
    await registry.refreshIfStale();
    await writeHeartbeat(ctx, { id, startedAt, registryVersion: registry.current.version, roles });
  } catch (e) {
    ctx.log.warn({ err: e }, "heartbeat failed; retrying");
  }
};
await beat();
const timer = setInterval(beat, env.WORKER_HEARTBEAT_MS);

// Liveness for orchestrators (docker healthcheck) and for tests that watch what this worker has loaded.
const server: Server = createServer(async (req, res) => {
  if (req.url === "/metrics") {
    // This worker's own counters; GET /metrics on the web process sums every worker's.
    res.writeHead(200, { "content-type": metrics.registry.contentType });
    res.end(await metrics.registry.metrics());
    return;
  }
  if (req.url !== "/healthz") {
    res.writeHead(404).end();
    return;
  }
  const h = await checkHealth(ctx);
  const ok = h.postgres.ok && h.redis.ok;
  const snap = registry.current;
  res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      ok,
      id,
      postgres: h.postgres,
      redis: h.redis,
      registryVersion: snap.version,
      dispatch: { activations: dispatch.stats.activations, slices: dispatch.stats.slices, groupsHeld: [...dispatch.stats.groupsHeld].sort((a, b) => a - b) },
      endpoints: snap.endpoints.map((e) => ({ functions: e.functions, application: e.application, paused: e.paused, url: e.urlPathTemplate })),
    }),
  );
});
server.listen(env.WORKER_HEALTH_PORT, "0.0.0.0", () => {
  const addr = server.address();
  ctx.log.info({ port: typeof addr === "object" && addr ? addr.port : env.WORKER_HEALTH_PORT, registryVersion: registry.current.version }, "worker started");
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  ctx.log.info({ signal }, "worker stopping");
  clearInterval(timer);
  server.close();
  await dispatch.stop();
  await webhooks.stop();
  await flusher.stop();
  await removeHeartbeat(ctx, id).catch(() => undefined);
  await registry.stop();
  await closeContext(ctx);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
