import { Redis } from "ioredis";
import pg from "pg";
import type { Env } from "./env";

/** `postgresql://user:***@host:5432/db` — never print a password. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

async function checkPostgres(url: string): Promise<string | null> {
  const u = new URL(url);
  u.searchParams.delete("schema");
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (e) {
    return `cannot reach Postgres at ${redactUrl(url)} (${(e as Error).message || String(e)}); start Postgres or set DATABASE_URL to a reachable database`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string): Promise<string | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5_000 });
  r.on("error", () => undefined);
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (e) {
    return `cannot reach Redis at ${redactUrl(url)} (${(e as Error).message || String(e)}); start Redis or set REDIS_URL to a reachable server`;
  } finally {
    r.disconnect();
  }
}

/** For process entrypoints: both stores must answer before anything starts; else one clear line and exit. */
export async function assertDependenciesOrExit(env: Env): Promise<void> {
  const problems = (await Promise.all([checkPostgres(env.DATABASE_URL), checkRedis(env.REDIS_URL)])).filter(Boolean);
  if (problems.length) {
    for (const p of problems) console.error(`startup error: ${p}`);
    process.exit(69);
  }
}
