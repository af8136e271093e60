import { defineConfig } from "vitest/config";

try {
  process.loadEnvFile();
} catch {}

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // Each file gets its own Postgres schema and Redis key prefix (tests/support), so files run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
