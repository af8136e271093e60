import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { createDb } from "@/server/db";
import { parseEnv, type Env } from "@/server/env";
import { env as processEnv } from "@/server/env";
import { createLogger } from "@/server/logger";
import { createRedis, redisKeys } from "@/server/redis";
import type { Ctx } from "@/server/context";

const MIGRATIONS = join(process.cwd(), "prisma", "migrations");

/** A Postgres schema of its own with every migration applied, exactly as `migrate deploy` would. */
async function createSchema(baseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    for (const dir of readdirSync(MIGRATIONS).filter((d) => /^\d+_/.test(d)).sort())
      await client.query(readFileSync(join(MIGRATIONS, dir, "migration.sql"), "utf8"));
  } finally {
    await client.end();
  }
}

async function dropSchema(baseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
}

export interface TestContext extends Ctx {
  schema: string;
  databaseUrl: string;
  /** The env a child process (worker) needs to share this test's schema and key prefix. */
  childEnv: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Each test file gets its own Postgres schema and Redis key prefix, so files run in parallel. */
export async function createTestContext(overrides: Partial<Record<keyof Env, string>> = {}): Promise<TestContext> {
  const base = processEnv();
  const id = randomBytes(5).toString("hex");
  const schema = `t_${id}`;
  const prefix = `test:${id}`;
  const baseUrl = new URL(base.DATABASE_URL);
  baseUrl.searchParams.delete("schema");
  await createSchema(baseUrl.toString(), schema);
  const databaseUrl = `${baseUrl.toString()}${baseUrl.search ? "&" : "?"}schema=${schema}`;
  const raw = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: base.REDIS_URL,
    STATEHOUSE_REDIS_PREFIX: prefix,
    STATEHOUSE_ADMIN_USER: "admin",
    STATEHOUSE_ADMIN_PASSWORD: "test-admin-password",
    STATEHOUSE_ADMIN_TOKEN: `test-admin-token-${id}`,
    WORKER_HEARTBEAT_MS: "500",
    LOG_LEVEL: "warn",
    ...overrides,
  };
  const env = parseEnv(raw);
  const redis = createRedis(env.REDIS_URL, "producer", `test-${id}`);
  const ctx: Ctx = {
    db: createDb(databaseUrl),
    redis,
    keys: redisKeys(prefix),
    log: createLogger("warn", { test: id }),
    env,
    now: () => new Date(),
  };
  return {
    ...ctx,
    schema,
    databaseUrl,
    childEnv: Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === "string")),
    async cleanup() {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== "0");
      await Promise.allSettled([ctx.db.$disconnect(), redis.quit()]);
      await dropSchema(baseUrl.toString(), schema);
    },
  };
}
