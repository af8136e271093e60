import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "@/server/context";
import { createApiToken } from "@/server/auth/api-tokens";
import { authenticate } from "@/server/auth/authenticate";
import { AppError } from "@/server/errors";
import { createTestContext, type TestContext } from "../support/test-context";

let ctx: TestContext;
const admin = { kind: "admin-token", name: "admin-token", role: "admin" } as const;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.cleanup();
});

/** A context of its own (so its token cache starts empty) whose token lookups are counted. */
function countingCtx() {
  let lookups = 0;
  const db = {
    apiToken: {
      findUnique: (args: Parameters<Ctx["db"]["apiToken"]["findUnique"]>[0]) => {
        lookups++;
        return ctx.db.apiToken.findUnique(args);
      },
      update: (args: Parameters<Ctx["db"]["apiToken"]["update"]>[0]) => ctx.db.apiToken.update(args),
    },
  };
  const c = { ...ctx, db } as unknown as Ctx;
  return { c, lookups: () => lookups };
}

const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });

describe("bearer token lookups", () => {
  it("requests arriving together with an uncached token share one Postgres lookup", async () => {
    const { token } = await createApiToken(ctx, admin, { name: "busy-client", role: "operator" });
    const { c, lookups } = countingCtx();
    const all = await Promise.all(Array.from({ length: 64 }, () => authenticate(c, bearer(token))));
    expect(lookups()).toBe(1);
    for (const a of all) expect(a?.principal).toEqual({ kind: "token", name: "busy-client", role: "operator" });
    // cached afterwards: no lookup at all
    await authenticate(c, bearer(token));
    expect(lookups()).toBe(1);
  });

  it("an unknown token is refused for every waiter and never cached", async () => {
    const { c, lookups } = countingCtx();
    const all = await Promise.allSettled(Array.from({ length: 16 }, () => authenticate(c, bearer("sh_nobody"))));
    for (const r of all) {
      expect(r.status).toBe("rejected");
      const e = (r as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe("unauthenticated");
    }
    expect(lookups()).toBe(1);
    await expect(authenticate(c, bearer("sh_nobody"))).rejects.toThrow(/unknown or revoked/);
    expect(lookups()).toBe(2);
  });

  it("the admin token needs no lookup, and a token differing from it in one character is not the admin", async () => {
    const { c, lookups } = countingCtx();
    const adminToken = ctx.env.STATEHOUSE_ADMIN_TOKEN!;
    expect((await authenticate(c, bearer(adminToken)))?.principal.role).toBe("admin");
    expect(lookups()).toBe(0);
    const near = adminToken.slice(0, -1) + (adminToken.endsWith("x") ? "y" : "x");
    await expect(authenticate(c, bearer(near))).rejects.toThrow(/unknown or revoked/);
    expect(lookups()).toBe(1);
  });
});
