import type { AddressInfo } from "node:net";

// The real environment wins; a local .env fills the gaps (Node >= 20.12).
try {
  process.loadEnvFile();
} catch {}

const { envOrExit } = await import("../server/env");
const { assertDependenciesOrExit } = await import("../server/startup");
const { createContext, closeContext } = await import("../server/context");
const { liveRegistry } = await import("../server/registry/live-registry");
const { createIngressListener } = await import("../server/ingress-listener/listener");

/**
 * The lean HTTP ingress (`npm run ingress`): the ingress routes of the web app on a plain node:http server,
 * for deployments that send more messages than the Next.js process should carry. Stateless: run as many as needed.
 */
const env = envOrExit();
await assertDependenciesOrExit(env);
const ctx = createContext(env, "producer", { process: "ingress" });
const registry = await liveRegistry(ctx); // loaded before the first request, kept current by pub/sub

const server = createIngressListener(ctx);
server.listen(env.INGRESS_PORT, "0.0.0.0", () => {
  ctx.log.info({ port: (server.address() as AddressInfo).port, registryVersion: registry.current.version }, "ingress listening");
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  ctx.log.info({ signal }, "ingress stopping");
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await registry.stop();
  await closeContext(ctx);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
