import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { LOGIN_THROTTLE } from "@/server/auth/login-throttle";
import * as loginRoute from "@/app/api/v1/auth/login/route";
import * as usersRoute from "@/app/api/v1/users/route";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute } from "../support/call-route";

/**
 * Login throttling (issue #14): per user name always, per client only behind a trusted proxy. The clock is the
 * context's (ctx.now), moved by hand: no test sleeps through a lock.
 */
const PASSWORD = "test-admin-password";
let direct: TestContext; // STATEHOUSE_TRUST_PROXY unset
let proxied: TestContext; // STATEHOUSE_TRUST_PROXY=true
let clock = Date.now();

beforeAll(async () => {
  direct = await createTestContext();
  proxied = await createTestContext({ STATEHOUSE_TRUST_PROXY: "true" });
  for (const c of [direct, proxied]) c.now = () => new Date(clock);
});
afterAll(async () => {
  setAppContext(undefined);
  await Promise.all([direct.cleanup(), proxied.cleanup()]);
});

/** Each test of a block starts on `c` with no failures counted and no throttle audit rows. */
function startEachTestClean(c: () => TestContext) {
  beforeEach(async () => {
    setAppContext(c());
    const keys = await c().redis.keys(`${c().keys.prefix}:login:*`);
    if (keys.length) await c().redis.del(...keys);
    await c().db.auditEvent.deleteMany({ where: { action: { startsWith: "session.login-" } } });
  });
}

function login(username: string, password: string, forwardedFor?: string) {
  return callRoute(loginRoute.POST, "POST", { body: { username, password }, headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} });
}

const audit = (c: TestContext, action: string) => c.db.auditEvent.findMany({ where: { action }, orderBy: { id: "asc" } });

describe("per user name, whatever the client", () => {
  let ctx: TestContext;
  beforeAll(() => void (ctx = direct));
  startEachTestClean(() => ctx);

  it("answers 429 with Retry-After after the threshold, without checking the password, and audits the lock and the refusal once", async () => {
    for (let i = 0; i < LOGIN_THROTTLE.userThreshold; i++) {
      const r = await login("admin", "wrong-password");
      expect(r.status, r.text).toBe(401);
    }
    const refused = await login("admin", PASSWORD);
    expect(refused.status, refused.text).toBe(429);
    expect(refused.json.error.code).toBe("rate-limited");
    expect(refused.json.error.message).toMatch(/try again in 1 s/);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.json.error.details.retryAfterSeconds).toBe(1);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect((await login("admin", "wrong-password")).status).toBe(429);
    expect((await login("admin", "wrong-password")).status).toBe(429);

    const locked = await audit(ctx, "session.login-locked");
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({ actor: "anonymous:unknown-client", targetType: "user", target: "admin" });
    expect(locked[0].after).toMatchObject({ failures: LOGIN_THROTTLE.userThreshold, lockedForSeconds: 1 });
    const refusals = await audit(ctx, "session.login-refused");
    expect(refusals).toHaveLength(1); // three refusals of one lock: one row
    expect(refusals[0]).toMatchObject({ targetType: "user", target: "admin" });
  });

  it("backs off exponentially up to the cap while failures go on", async () => {
    const waits: string[] = [];
    for (let i = 0; i < LOGIN_THROTTLE.userThreshold; i++) await login("admin", "wrong-password");
    for (let i = 0; i < 14; i++) {
      const r = await login("admin", "wrong-password");
      expect(r.status).toBe(429);
      waits.push(r.headers.get("retry-after")!);
      clock += Number(r.headers.get("retry-after")) * 1000;
      expect((await login("admin", "wrong-password")).status).toBe(401); // the lock is over: one more guess
    }
    expect(waits.slice(0, 6)).toEqual(["1", "2", "4", "8", "16", "32"]);
    expect(waits.at(-1)).toBe(String(LOGIN_THROTTLE.capMs / 1000));
    // A refusal during a lock does not extend it: 1 ms before its end it is still on, at its end it is over.
    const r = await login("admin", "wrong-password");
    clock += Number(r.headers.get("retry-after")) * 1000 - 1;
    expect((await login("admin", PASSWORD)).status).toBe(429);
    clock += 1;
    expect((await login("admin", PASSWORD)).status).toBe(200);
  });

  it("a success clears the name's failures: the next mistakes start from zero", async () => {
    for (let i = 0; i < LOGIN_THROTTLE.userThreshold - 1; i++) expect((await login("admin", "wrong-password")).status).toBe(401);
    expect((await login("admin", PASSWORD)).status).toBe(200);
    for (let i = 0; i < LOGIN_THROTTLE.userThreshold; i++) expect((await login("admin", "wrong-password")).status).toBe(401);
    expect((await login("admin", "wrong-password")).status).toBe(429);
  });

  it("successes never count: many sign-ins in a row all succeed", async () => {
    for (let i = 0; i < 3 * LOGIN_THROTTLE.userThreshold; i++) expect((await login("admin", PASSWORD)).status).toBe(200);
  });

  it("counts the name regardless of case, and throttles unknown names exactly like known ones", async () => {
    for (const name of ["admin", "ADMIN", "Admin", "aDmIn", "admiN"]) expect((await login(name, "wrong-password")).status).toBe(401);
    expect((await login("admin", PASSWORD)).status).toBe(429);
    for (let i = 0; i < LOGIN_THROTTLE.userThreshold; i++) expect((await login("nobody-here", "wrong-password")).status).toBe(401);
    const r = await login("nobody-here", "wrong-password");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("1");
  });

  it("a burst of parallel guesses gets no more than the threshold checked", async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => login("admin", "wrong-password")));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_THROTTLE.userThreshold);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - LOGIN_THROTTLE.userThreshold);
  });

  it("without a trusted proxy X-Forwarded-For is ignored: one client guessing many names locks no one else out", async () => {
    // No per-client bucket exists without a trusted proxy, and no shared one: every name stays under its own count.
    for (let i = 0; i < LOGIN_THROTTLE.clientThreshold + 5; i++) {
      const r = await login(`spray-${i}`, "wrong-password", "203.0.113.7");
      expect(r.status, r.text).toBe(401);
    }
    expect((await login("admin", PASSWORD, "203.0.113.7")).status).toBe(200);
    expect(await ctx.redis.keys(`${ctx.keys.prefix}:login:client:*`)).toEqual([]);
  });
});

describe("per client behind a trusted proxy", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = proxied;
    setAppContext(ctx);
    const created = await callRoute(usersRoute.POST, "POST", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, body: { username: "olga", password: "olga-password", role: "viewer" } });
    expect(created.status, created.text).toBe(201);
  });
  startEachTestClean(() => ctx);

  it("locks the address that guessed across many names, not the others, and audits it", async () => {
    for (let i = 0; i < LOGIN_THROTTLE.clientThreshold; i++) {
      const r = await login(`spray-${i}`, "wrong-password", "203.0.113.7");
      expect(r.status, r.text).toBe(401);
    }
    const refused = await login("olga", "olga-password", "203.0.113.7");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.json.error.message).toContain("this address");
    // The proxy appends the address it saw: a client's own X-Forwarded-For entry in front changes nothing.
    expect((await login("olga", "olga-password", "198.51.100.1, 203.0.113.7")).status).toBe(429);
    expect((await login("olga", "olga-password", "198.51.100.9")).status).toBe(200);
    const locked = await audit(ctx, "session.login-locked");
    expect(locked.map((e) => [e.targetType, e.target, e.actor])).toEqual([["client", "203.0.113.7", "anonymous:203.0.113.7"]]);
    expect((await audit(ctx, "session.login-refused")).map((e) => e.target)).toEqual(["203.0.113.7"]);
  });

  it("the per-name lock holds whatever address the guesses come from", async () => {
    for (let i = 0; i < LOGIN_THROTTLE.userThreshold; i++) expect((await login("olga", "wrong-password", `198.51.100.${i + 10}`)).status).toBe(401);
    expect((await login("olga", "olga-password", "198.51.100.99")).status).toBe(429);
  });

  it("successes from one address never count towards its lock", async () => {
    for (let i = 0; i < LOGIN_THROTTLE.clientThreshold + 10; i++) {
      const r = await login("olga", "olga-password", "203.0.113.50");
      expect(r.status, `sign-in ${i}: ${r.text}`).toBe(200);
    }
    // …and do not wipe the address's failures either: 20 failures still lock it.
    for (let i = 0; i < LOGIN_THROTTLE.clientThreshold; i++) expect((await login(`spray-${i}`, "wrong-password", "203.0.113.50")).status).toBe(401);
    expect((await login("olga", "olga-password", "203.0.113.50")).status).toBe(429);
  });
});
