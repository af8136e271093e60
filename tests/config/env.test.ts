import { describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { spawnEntry } from "../support/processes";

const good = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x", REDIS_URL: "redis://127.0.0.1:6379" };

describe("configuration", () => {
  it("parses a minimal environment and applies defaults", () => {
    const env = parseEnv(good);
    expect(env).toMatchObject({ STATEHOUSE_REDIS_PREFIX: "sh", WORKER_HEALTH_PORT: 9464, LOG_LEVEL: "info" });
  });

  it("names the variable to set and how", () => {
    expect(() => parseEnv({ REDIS_URL: good.REDIS_URL })).toThrow(/^configuration error: set DATABASE_URL: is required \(e\.g\. postgresql:\/\//);
    expect(() => parseEnv({ ...good, REDIS_URL: "http://x" })).toThrow(/set REDIS_URL: must be a redis: or rediss: URL/);
    expect(() => parseEnv({ ...good, STATEHOUSE_ADMIN_TOKEN: "short" })).toThrow(/set STATEHOUSE_ADMIN_TOKEN: must be at least 16 characters/);
    expect(() => parseEnv({ ...good, WORKER_HEALTH_PORT: "http" })).toThrow(/set WORKER_HEALTH_PORT/);
    expect(() => parseEnv({ ...good, DATABASE_URL: "" })).toThrow(/set DATABASE_URL: is required/);
  });
});

describe("a process with bad configuration stops with one clear line", () => {
  const run = async (env: Record<string, string>) => {
    const p = spawnEntry("worker/index.ts", { WORKER_HEALTH_PORT: "0", ...env });
    const { code } = await p.exited;
    return { code, lines: p.output().trim().split("\n") };
  };

  it("a missing DATABASE_URL", async () => {
    const r = await run({ DATABASE_URL: "", REDIS_URL: good.REDIS_URL });
    expect(r.code).toBe(78);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^configuration error: set DATABASE_URL: is required/);
  });

  it("an unreachable Redis", async () => {
    const r = await run({ DATABASE_URL: good.DATABASE_URL, REDIS_URL: "redis://127.0.0.1:1" });
    expect(r.code).toBe(69);
    expect(r.lines.filter((l) => l.includes("Redis"))).toEqual([expect.stringMatching(/^startup error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*set REDIS_URL/)]);
  });

  it("an unreachable Postgres, without printing its password", async () => {
    const r = await run({ DATABASE_URL: "postgresql://app:s3cret@127.0.0.1:1/x", REDIS_URL: good.REDIS_URL });
    expect(r.code).toBe(69);
    expect(r.lines).toEqual([expect.stringMatching(/^startup error: cannot reach Postgres at postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/x .*set DATABASE_URL/)]);
    expect(r.lines.join("\n")).not.toContain("s3cret");
  });
});
