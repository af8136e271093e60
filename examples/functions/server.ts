/**
 * Serves the example functions (greeter, shopping cart) at `/statefun` with the official JS SDK's handler,
 * like the playground's function containers.
 *
 *   tsx examples/functions/server.ts --port 8000 --host 0.0.0.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { StateFun } from "apache-flink-statefun";
import { bindGreeter } from "./greeter";
import { bindShoppingCart } from "./shopping-cart";
import { bindShowcase } from "./showcase";

export const FUNCTIONS_PATH = "/statefun";

export interface FunctionServer {
  /** The endpoint URL, usable as a `urlPathTemplate`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export function createStatefun(): StateFun {
  const statefun = new StateFun();
  bindGreeter(statefun);
  bindShoppingCart(statefun);
  bindShowcase(statefun);
  return statefun;
}

export async function startFunctionServer({ port, host = "127.0.0.1" }: { port: number; host?: string }): Promise<FunctionServer> {
  const handle = createStatefun().handler();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== FUNCTIONS_PATH) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    void handle(req, res);
  });

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${bound}${FUNCTIONS_PATH}`,
    port: bound,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        // Idle keep-alive connections would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string", default: "8000" }, host: { type: "string", default: "0.0.0.0" } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);
  const server = await startFunctionServer({ port, host: values.host });
  console.log(`example functions (example/*, com.example/*) listening on http://${values.host}:${server.port}${FUNCTIONS_PATH}`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
