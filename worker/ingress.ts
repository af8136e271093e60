import type { AddressInfo } from "node:net";

import { bootProcess, onShutdown } from "../server/boot";
import { liveRegistry } from "../server/registry/live-registry";
import { createIngressListener } from "../server/ingress-listener/listener";
import { PlaygroundPorts } from "../server/ingress-listener/playground-ports";

/**
 * The lean HTTP ingress (`npm run ingress`): the ingress routes of the web app on a plain node:http server,
 * for deployments that send more messages than the Next.js process should carry. Stateless: run as many as needed.
 */
const ctx = await bootProcess("producer", { process: "ingress" });
const env = ctx.env;
const registry = await liveRegistry(ctx); // loaded before the first request, kept current by pub/sub

// The playground ports of applied modules (8090/8091 in the playground's examples) open and close with the registry.
const playground = new PlaygroundPorts(ctx);
registry.onReload(() => void playground.sync());
await playground.sync();

const server = createIngressListener(ctx);
server.listen(env.INGRESS_PORT, "0.0.0.0", () => {
  ctx.log.info({ port: (server.address() as AddressInfo).port, registryVersion: registry.current.version }, "ingress listening");
});

onShutdown(ctx, "ingress", async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await registry.stop();
  await playground.stop();
});
