import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import * as loginRoute from "@/app/api/v1/auth/login/route";
import * as sessionRoute from "@/app/api/v1/auth/session/route";
import * as applicationsRoute from "@/app/api/v1/applications/route";
import * as usersRoute from "@/app/api/v1/users/route";
import * as userRoute from "@/app/api/v1/users/[userId]/route";
import * as tokensRoute from "@/app/api/v1/tokens/route";
import * as tokenRoute from "@/app/api/v1/tokens/[tokenId]/route";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute } from "../support/call-route";

let direct: TestContext; // STATEHOUSE_TRUST_PROXY unset
let proxied: TestContext; // STATEHOUSE_TRUST_PROXY=true
const ADMIN = { username: "admin", password: "test-admin-password" };

beforeAll(async () => {
  direct = await createTestContext();
  proxied = await createTestContext({ STATEHOUSE_TRUST_PROXY: "true" });
});
afterAll(async () => {
  setAppContext(undefined);
  await Promise.all([direct.cleanup(), proxied.cleanup()]);
});

async function signIn() {
  const res = await callRoute(loginRoute.POST, "POST", { body: ADMIN });
  expect(res.status, res.text).toBe(200);
  return { cookie: /sh_session=([^;]+)/.exec(res.headers.getSetCookie().join("\n"))![1], csrf: res.json.csrfToken as string };
}

/** A 4xx with the standard error body, never a 500 or an HTML page. */
function expectErrorBody(res: { status: number; json: any; text: string }, status?: number) {
  if (status) expect(res.status, res.text).toBe(status);
  expect(res.status, res.text).toBeGreaterThanOrEqual(400);
  expect(res.status, res.text).toBeLessThan(500);
  expect(res.json?.error?.code, res.text).toMatch(/^[a-z-]+$/);
  expect(res.json.error.message).toMatch(/\w{3,}/);
}

describe("the Origin check and X-Forwarded-Host", () => {
  let n = 0;
  const create = (s: { cookie: string; csrf: string }, headers: Record<string, string>) =>
    callRoute(applicationsRoute.POST, "POST", { session: s, headers, body: { name: `origin-${++n}` } });
  const evil = { origin: "http://evil.example", "x-forwarded-host": "evil.example" };

  it("without STATEHOUSE_TRUST_PROXY a forwarded host is not believed: a foreign Origin is refused", async () => {
    setAppContext(direct);
    const s = await signIn();
    const res = await create(s, evil);
    expectErrorBody(res, 403);
    expect(res.json.error.code).toBe("csrf-failed");
    // The Host header a browser sent is what the Origin is compared with.
    expect((await create(s, { origin: "https://console.example", host: "console.example" })).status).toBe(201);
    expect((await create(s, { origin: "http://127.0.0.1:3000" })).status).toBe(201);
  });

  it("with STATEHOUSE_TRUST_PROXY=true the proxy's forwarded host is believed (negative control)", async () => {
    setAppContext(proxied);
    const s = await signIn();
    expect((await create(s, evil)).status).toBe(201);
    // The last value is the one the proxy set; a client's own value in front of it changes nothing.
    expect((await create(s, { origin: "http://evil.example", "x-forwarded-host": "evil.example, console.example" })).status).toBe(403);
  });

  it("an Origin that is no URL is refused with 403, not a 500", async () => {
    setAppContext(direct);
    const s = await signIn();
    const res = await create(s, { origin: "garbage" });
    expectErrorBody(res, 403);
  });

  it("the Secure flag follows X-Forwarded-Proto only behind a trusted proxy", async () => {
    const secure = async () => {
      const res = await callRoute(loginRoute.POST, "POST", { body: ADMIN, headers: { "x-forwarded-proto": "https" } });
      expect(res.status).toBe(200);
      return res.headers.getSetCookie().every((c) => /;\s*Secure/.test(c));
    };
    setAppContext(direct);
    expect(await secure()).toBe(false);
    setAppContext(proxied);
    expect(await secure()).toBe(true);
  });
});

describe("malformed credentials are unauthenticated, never a 500, and never reach a query", () => {
  beforeAll(() => setAppContext(direct));

  it.each([
    ["a lone %", "%"],
    ["a percent-escape of NUL", "%00abcdefghijklmnopqrstuvwxyz0123456789"],
    ["an escaped lone surrogate", "%ED%A0%80abcdefghijklmnopqrstuvwxyz"],
    ["an escaped control character", "abcdefghijklmnopqrstuvwxyz%07"],
    ["bytes above ASCII", "abcdefghijklmnop\u00e9\u00ff"],
  ])("Cookie: sh_session=<%s> → 401", async (_, cookie) => {
    for (const [fn, method] of [
      [sessionRoute.GET, "GET"],
      [applicationsRoute.GET, "GET"],
      [applicationsRoute.POST, "POST"],
    ] as const) {
      const res = await callRoute(fn, method, { headers: { cookie: `sh_session=${cookie}` }, body: method === "POST" ? { name: "nope" } : undefined });
      expectErrorBody(res, 401);
      expect(res.json.error.code).toBe("unauthenticated");
    }
  });

  it("a bearer token with bytes outside visible ASCII is refused before any lookup", async () => {
    const before = await direct.db.apiToken.count();
    const res = await callRoute(applicationsRoute.GET, "GET", { headers: { authorization: "Bearer sh_abc\u00e9\u00ffdef" } });
    expectErrorBody(res, 401);
    expect(res.json.error.message).toContain("malformed");
    expect(await direct.db.apiToken.count()).toBe(before);
  });

  it.each([
    ["NUL", "ad\u0000min"],
    ["a lone surrogate", "ad\ud800min"],
    ["a control character", "ad\tmin"],
  ])("a login user name with %s is a 400 (unauthenticated caller)", async (_, username) => {
    const res = await callRoute(loginRoute.POST, "POST", { body: { username, password: "whatever" } });
    expectErrorBody(res, 400);
    expect(res.json.error.code).toBe("validation-failed");
  });

  it("a password with NUL is a 400 whose message does not repeat it", async () => {
    const res = await callRoute(loginRoute.POST, "POST", { body: { username: "admin", password: "secret\u0007value" } });
    expectErrorBody(res, 400);
    expect(res.text).not.toContain("secret");
  });

  it("user and token names with NUL, controls or lone surrogates are 400s", async () => {
    const token = direct.env.STATEHOUSE_ADMIN_TOKEN;
    for (const name of ["bad\u0000name", "bad\u0007name", "bad\udc00name"]) {
      expectErrorBody(await callRoute(usersRoute.POST, "POST", { token, body: { username: name, password: "long-enough-password", role: "viewer" } }), 400);
      expectErrorBody(await callRoute(tokensRoute.POST, "POST", { token, body: { name, role: "viewer" } }), 400);
      expectErrorBody(await callRoute(userRoute.PATCH, "PATCH", { token, params: { userId: "admin" }, body: { password: `pass${name}word` } }), 400);
    }
  });

  it("PATCH /api/v1/users/%00 and a token id that is no UUID are 4xx", async () => {
    const token = direct.env.STATEHOUSE_ADMIN_TOKEN;
    expectErrorBody(await callRoute(userRoute.PATCH, "PATCH", { token, params: { userId: "\u0000" }, body: { disabled: true } }));
    expectErrorBody(await callRoute(userRoute.PATCH, "PATCH", { token, params: { userId: "ad\ud800min" }, body: { disabled: true } }));
    expectErrorBody(await callRoute(tokenRoute.DELETE, "DELETE", { token, params: { tokenId: "\u0000" } }), 400);
    expectErrorBody(await callRoute(tokenRoute.DELETE, "DELETE", { token, params: { tokenId: "not-a-uuid" } }), 400);
  });
});

describe("user names are unique regardless of case", () => {
  beforeAll(() => setAppContext(direct));
  const token = () => direct.env.STATEHOUSE_ADMIN_TOKEN;
  const createUser = (username: string, password = "case-password") =>
    callRoute(usersRoute.POST, "POST", { token: token(), body: { username, password, role: "viewer" } });

  it("creating a name that differs only in case is a 409", async () => {
    expect((await createUser("Vera")).status).toBe(201);
    for (const name of ["vera", "VERA", "vErA"]) {
      const res = await createUser(name);
      expectErrorBody(res, 409);
      expect(res.json.error.code).toBe("already-exists");
      expect(res.json.error.message).toContain("regardless of case");
    }
    expect(await direct.db.user.count({ where: { username: { in: ["Vera", "vera", "VERA", "vErA"] } } })).toBe(1);
    // The bootstrap admin too: "ADMIN" is taken by "admin".
    expectErrorBody(await createUser("ADMIN"), 409);
  });

  it("login and PATCH find the user regardless of case, under its stored name", async () => {
    const res = await callRoute(loginRoute.POST, "POST", { body: { username: "VERA", password: "case-password" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.user.name).toBe("Vera");
    const patched = await callRoute(userRoute.PATCH, "PATCH", { token: token(), params: { userId: "vera" }, body: { role: "operator" } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.username).toBe("Vera");
  });

  it("_ and % in a name are literal characters, not wildcards", async () => {
    expect((await createUser("a_b", "underscore-password")).status).toBe(201);
    for (const name of ["axb", "a%", "%"]) {
      const res = await callRoute(loginRoute.POST, "POST", { body: { username: name, password: "underscore-password" } });
      expect(res.status, `${name}: ${res.text}`).toBe(401);
    }
    expect((await callRoute(loginRoute.POST, "POST", { body: { username: "A_B", password: "underscore-password" } })).status).toBe(200);
    expectErrorBody(await callRoute(userRoute.PATCH, "PATCH", { token: token(), params: { userId: "a%" }, body: { role: "admin" } }), 404);
  });

  it("the migration keeps existing names that collide: the oldest keeps its name, the others are renamed and audited", async () => {
    const MIGRATIONS = join(process.cwd(), "prisma", "migrations");
    const dirs = readdirSync(MIGRATIONS).filter((d) => /^\d+_/.test(d)).sort();
    const mine = dirs.find((d) => d.endsWith("_username_case_insensitive"))!;
    const schema = `${direct.schema}_mig`;
    const base = new URL(direct.databaseUrl);
    base.searchParams.delete("schema");
    const client = new pg.Client({ connectionString: base.toString() });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(`SET search_path TO "${schema}"`);
      const sql = (d: string) => readFileSync(join(MIGRATIONS, d, "migration.sql"), "utf8");
      for (const d of dirs.filter((d) => d < mine)) await client.query(sql(d));
      await client.query(`INSERT INTO "User" (id, username, "passwordHash", "createdAt") VALUES
        ('00000000-0000-4000-8000-000000000001', 'Bob', 'x', '2026-01-01'),
        ('00000000-0000-4000-8000-000000000002', 'bob', 'x', '2026-01-02'),
        ('00000000-0000-4000-8000-000000000003', 'BOB', 'x', '2026-01-03'),
        ('00000000-0000-4000-8000-000000000004', 'carol', 'x', '2026-01-01')`);
      await client.query(sql(mine));
      const users = await client.query(`SELECT id, username FROM "User" ORDER BY id`);
      const renamed = (name: string, n: number) => `${name}~00000000-0000-4000-8000-00000000000${n}`;
      expect(users.rows.map((r) => r.username)).toEqual(["Bob", renamed("bob", 2), renamed("BOB", 3), "carol"]);
      const audited = await client.query(`SELECT action, target, before->>'username' AS was FROM "AuditEvent" ORDER BY target`);
      expect(audited.rows).toEqual([
        { action: "user.rename", target: renamed("BOB", 3), was: "BOB" },
        { action: "user.rename", target: renamed("bob", 2), was: "bob" },
      ]);
      await expect(client.query(`INSERT INTO "User" (id, username, "passwordHash") VALUES ('00000000-0000-4000-8000-000000000005', 'CAROL', 'x')`)).rejects.toThrow(/User_username_lower_key/);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });
});
