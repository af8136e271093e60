import { closeContext, createContext, type Ctx } from "./context";
import { envOrExit } from "./env";
import { assertDependenciesOrExit } from "./startup";

/**
 * The start of every process entrypoint (worker, ingress, seed): a local .env fills gaps in the real
 * environment, bad configuration or unreachable stores stop the process with one clear line, then a context.
 */
export async function bootProcess(role: "producer" | "worker", bindings: Record<string, unknown>): Promise<Ctx> {
  try {
    process.loadEnvFile();
  } catch {}
  const env = envOrExit();
  await assertDependenciesOrExit(env);
  return createContext(env, role, bindings);
}

/** Runs `stop` once on SIGTERM or SIGINT, closes the context, and exits 0. */
export function onShutdown(ctx: Ctx, what: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, `${what} stopping`);
    await stop();
    await closeContext(ctx);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
