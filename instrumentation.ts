/** Runs once when the Next.js server starts: bad config or unreachable stores stop it with one clear line. */
export async function register() {
  const { isNextNodeRuntime, envOrExit } = await import("./server/env");
  if (!isNextNodeRuntime()) return;
  const { assertDependenciesOrExit } = await import("./server/startup");
  await assertDependenciesOrExit(envOrExit());
}
