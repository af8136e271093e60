/**
 * Runs once when the Next.js server starts: bad config or unreachable stores stop it with one clear line.
 * NEXT_RUNTIME is Next's own build-time switch (not configuration): it must be read literally here so the
 * Edge bundle drops the Node-only import.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./server/instrumentation-node");
}
