import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT || 3100);
const baseURL = process.env.E2E_BASE_URL || `http://127.0.0.1:${port}`;
const workerHealthPort = 9465;

/** Both processes see the same database, Redis prefix and bootstrap credentials as the tests. */
const env: Record<string, string> = {
  DATABASE_URL: process.env.DATABASE_URL ?? "",
  REDIS_URL: process.env.REDIS_URL ?? "",
  STATEHOUSE_REDIS_PREFIX: process.env.STATEHOUSE_REDIS_PREFIX || "e2e",
  STATEHOUSE_ADMIN_USER: "admin",
  STATEHOUSE_ADMIN_PASSWORD: "e2e-admin-password",
  STATEHOUSE_ADMIN_TOKEN: "e2e-admin-token-0123456789",
  NEXT_TELEMETRY_DISABLED: "1",
};
if (process.env.PATH) env.PATH = process.env.PATH;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  workers: 1,
  retries: 0,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: [
    {
      // Idle keep-alive sockets outlive the clients' pauses: with Node's 5 s default, a request reusing a socket as the
      // server closed it failed with "socket hang up" (ECONNRESET; journey-d once, polling after a step of ~5 s).
      command: `node node_modules/next/dist/bin/next start -p ${port} -H 127.0.0.1 --keepAliveTimeout 65000`,
      // The login page renders without Postgres or Redis answering, so readiness does not hide their errors.
      url: `${baseURL}/login`,
      env,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "node --import tsx worker/index.ts",
      url: `http://127.0.0.1:${workerHealthPort}/healthz`,
      env: { ...env, WORKER_HEALTH_PORT: String(workerHealthPort) },
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
