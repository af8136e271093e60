import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";

import { bootProcess, onShutdown } from "../server/boot";
import { RegistryCache } from "../server/registry/registry-cache";
import { writeHeartbeat, removeHeartbeat } from "../server/operations/workers";
import { checkHealth } from "../server/operations/health";
import { DispatchService } from "../server/dispatch/dispatch-service";
import { WebhookRelay } from "../server/egress-webhook/webhook-relay";
import { DispatchMetrics } from "../server/metrics/dispatch-metrics";
import { MetricsFlusher } from "../server/metrics/metrics-flusher";
import { CheckpointService } from "../server/durability/checkpoint-service";
import { ControlService } from "../server/durability/control-service";

const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
const startedAt = new Date().toISOString();
const ctx = await bootProcess("worker", { process: "worker", worker: id });
const env = ctx.env;
const registry = new RegistryCache(ctx);
await registry.start();

const metrics = new DispatchMetrics();
const dispatch = new DispatchService(ctx, registry, metrics);
const flusher = new MetricsFlusher(ctx.redis, env.STATEHOUSE_REDIS_PREFIX, id, metrics, ctx.log);
flusher.start();
await dispatch.start();
const webhooks = new WebhookRelay(ctx, registry);
await webhooks.start();

const checkpoints = env.CHECKPOINT_ENABLED ? new CheckpointService(ctx) : null;
await checkpoints?.start();

const control = new ControlService(ctx);
await control.start();

const roles = ["registry", "dispatch", "egress-webhook", "control", ...(checkpoints ? ["checkpoint"] : [])];
const beat = async () => {
  try {
    await registry.refreshIfStale();
    await writeHeartbeat(ctx, { id, startedAt, registryVersion: registry.current.version, roles, groupsHeld: dispatch.stats.groupsHeld });
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
      ...(checkpoints ? { checkpoint: checkpoints.stats } : {}),
      dispatch: { activations: dispatch.stats.activations, slices: dispatch.stats.slices, groupsHeld: [...dispatch.stats.groupsHeld].sort((a, b) => a - b) },
      endpoints: snap.endpoints.map((e) => ({ functions: e.functions, application: e.application, paused: e.paused, url: e.urlPathTemplate })),
    }),
  );
});
server.listen(env.WORKER_HEALTH_PORT, "0.0.0.0", () => {
  const addr = server.address();
  ctx.log.info({ port: typeof addr === "object" && addr ? addr.port : env.WORKER_HEALTH_PORT, registryVersion: registry.current.version }, "worker started");
});

onShutdown(ctx, "worker", async () => {
  clearInterval(timer);
  server.close();
  await dispatch.stop();
  await webhooks.stop();
  await checkpoints?.stop();
  await control.stop();
  await flusher.stop();
  await removeHeartbeat(ctx, id).catch(() => undefined);
  await registry.stop();
});
