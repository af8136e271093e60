import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFunctionServer, type FunctionServer } from "@/examples/functions/server";
import { createTestContext, type TestContext } from "../support/test-context";
import { spawnEntry } from "../support/processes";

let ctx: TestContext;
let fns: FunctionServer;

beforeAll(async () => {
  ctx = await createTestContext();
  fns = await startFunctionServer({ port: 0 });
});
afterAll(async () => {
  await fns.close();
  await ctx.cleanup();
});

async function seed() {
  const p = spawnEntry("prisma/seed.ts", { ...ctx.childEnv, STATEHOUSE_DEMO_FUNCTIONS_URL: fns.url });
  const { code } = await p.exited;
  expect(code, p.output()).toBe(0);
  return p.output();
}

describe("the demo seed", () => {
  it("creates the admin and the playground application bound to the demo functions, with their declared state", async () => {
    const out = await seed();
    expect(out).toContain('created admin user "admin"');
    const admin = await ctx.db.user.findUniqueOrThrow({ where: { username: "admin" } });
    expect(admin.role).toBe("admin");
    const app = await ctx.db.application.findUniqueOrThrow({ where: { name: "playground" }, include: { endpoints: true, egresses: true, ingresses: true } });
    expect(app.endpoints.map((e) => [e.functions, e.urlPathTemplate]).sort()).toEqual([
      ["com.example/*", fns.url],
      ["example/*", fns.url],
    ]);
    expect(app.egresses[0].spec).toMatchObject({ topics: ["greetings", "receipts"] });
    const greeter = app.endpoints.find((e) => e.functions === "example/*")!;
    expect(greeter.declaredState).toMatchObject({ "example/person": [{ name: "visits", typename: "io.statefun.types/int" }], "example/greeter": [] });
  });

  it("is idempotent", async () => {
    await seed();
    expect(await ctx.db.application.count()).toBe(1);
    expect(await ctx.db.functionEndpoint.count()).toBe(2);
    expect(await ctx.db.user.count()).toBe(1);
  });
});
