import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

// Prisma stops reading .env once a config file exists (stack.md P4); the real environment still wins.
try {
  process.loadEnvFile();
} catch {}
// The CLI must be able to read the whole schema, even during `npm ci`'s postinstall (stack.md P3).
process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/statehouse";

// adapter-pg cannot deserialize the catalog types `name` (19) and `"char"` (18) (prisma/orm#27403).
// Only the CLI process loads this file, so the patch never reaches the app.
const R = (pg as unknown as { Result: { prototype: Record<string, unknown> } }).Result.prototype;
if (!R.__nameAsText) {
  const orig = R.addFields as (fields: Array<{ dataTypeID: number }>) => void;
  R.addFields = function (this: unknown, fields: Array<{ dataTypeID: number }>) {
    for (const f of fields) if (f.dataTypeID === 19 || f.dataTypeID === 18) f.dataTypeID = 25;
    return orig.call(this, fields);
  };
  R.__nameAsText = true;
}

// No connectionString here: it would override the shadow database's name (stack.md P5).
function pgConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  const schema = u.searchParams.get("schema");
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || undefined,
    options: schema ? `-c search_path=${schema}` : undefined,
    allowExitOnIdle: true,
    idleTimeoutMillis: 100,
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => new PrismaPg(pgConfig(process.env.DATABASE_URL!)),
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
