import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { closePool } from "@/server/durability/pool";
import { planeOf } from "@/server/dispatch/plane";
import { openApiDocument } from "@/server/http/openapi";
import { loadRegistrySnapshot } from "@/server/registry/registry-snapshot";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";

/**
 * Issue #15 item 7: registering `example/person` in a second application silently took the type (and its
 * savepoints and rollbacks) from the first application's `example/*`. Now such a binding is refused with 409
 * function-type-bound-elsewhere naming the application, unless the request says ?move=true.
 */
let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;
const URL_ = "http://127.0.0.1:9/{function.name}";

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  for (const name of ["first", "second", "third"]) expect((await call("POST", "/api/v1/applications", { body: { name } })).status).toBe(201);
});
afterAll(async () => {
  setAppContext(undefined);
  await closePool(ctx);
  await ctx.cleanup();
});

const register = (app: string, functions: string, query: Record<string, string> = {}) =>
  call("POST", "/api/v1/applications/{app}/endpoints", { params: { app }, query, body: { functions, urlPathTemplate: URL_, skipProbe: true } });
const owner = async (functionType: string) => (await loadRegistrySnapshot(ctx.db, 0)).resolve(functionType)?.application ?? null;
/** An address of the type in the checkpoint: the data plane has seen the type. */
const seenInCheckpoint = (functionType: string, id = "a") =>
  ctx.db.checkpointAddress.create({ data: { address: `${functionType}/${id}`, functionType, version: 1n, updatedAt: 0n } });
const moves = (target?: string) => ctx.db.auditEvent.findMany({ where: { action: "function-type.move", ...(target ? { target } : {}) }, orderBy: { id: "asc" } });
const putModule = (app: string, yaml: string, query: Record<string, string> = {}) => call("PUT", "/api/v1/applications/{app}/module", { params: { app }, raw: yaml, query });
const endpointYaml = (functions: string) => `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: ${functions}\n  urlPathTemplate: ${URL_}\n`;

describe("binding a function type another application binds", () => {
  it("refuses an exact type under another application's wildcard with 409 naming that application, binding nothing", async () => {
    expect((await register("first", "example/*")).status).toBe(201);
    await seenInCheckpoint("example/person");
    const res = await register("second", "example/person");
    expect(res.status, res.text).toBe(409);
    expect(res.json.error.code).toBe("function-type-bound-elsewhere");
    expect(res.json.error.message).toContain('example/person (application "first", endpoint example/*)');
    expect(res.json.error.message).toContain("?move=true");
    expect(res.json.error.details.conflicts).toEqual([
      {
        functions: "example/person",
        application: "first",
        endpointId: expect.any(String),
        pattern: "example/*",
        functionTypes: ["example/person"],
        seen: ["example/person"],
        removesEndpoint: false,
      },
    ]);
    expect(await ctx.db.functionEndpoint.count({ where: { functions: "example/person" } })).toBe(0);
    expect(await owner("example/person")).toBe("first");
  });

  it("moves it with ?move=true: the type resolves to the new application, the wildcard keeps the rest, and the move is audited", async () => {
    const res = await register("second", "example/person", { move: "true" });
    expect(res.status, res.text).toBe(201);
    // the silent takeover the issue describes, now only on request: this is what the 409 above prevented
    expect(await owner("example/person")).toBe("second");
    expect(await owner("example/greeter")).toBe("first");
    const functions = await call("GET", "/api/v1/functions");
    expect(functions.json.functions.find((f: { functionType: string }) => f.functionType === "example/person")).toMatchObject({ application: "second", pattern: "example/person" });
    const [audit] = await moves("example/person");
    expect(audit).toMatchObject({ targetType: "function-type", before: { application: "first", endpoint: "example/*" }, after: { application: "second", endpoint: "example/person" } });
  });

  it("leaves an unchanged pattern alone: editing the wildcard whose type was moved out needs no move", async () => {
    const wildcard = await ctx.db.functionEndpoint.findFirstOrThrow({ where: { functions: "example/*" } });
    const res = await call("PUT", "/api/v1/applications/{app}/endpoints/{endpointId}", {
      params: { app: "first", endpointId: wildcard.id },
      body: { functions: "example/*", urlPathTemplate: URL_, maxNumBatchRequests: 7, skipProbe: true },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.maxNumBatchRequests).toBe(7);
  });

  it("refuses a wildcard over another application's exact endpoints; a move removes them, their spec kept in the audit", async () => {
    expect((await register("first", "shop/cart")).status).toBe(201);
    expect((await register("first", "shop/stock")).status).toBe(201);
    const refused = await register("third", "shop/*");
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("function-type-bound-elsewhere");
    expect(refused.json.error.details.conflicts.map((c: { pattern: string; removesEndpoint: boolean; seen: string[] }) => [c.pattern, c.removesEndpoint, c.seen])).toEqual([
      ["shop/cart", true, []],
      ["shop/stock", true, []],
    ]);
    expect(refused.json.error.message).toContain("which a move removes");
    expect(await ctx.db.functionEndpoint.count({ where: { namespace: "shop" } })).toBe(2);

    const moved = await register("third", "shop/*", { move: "1" });
    expect(moved.status, moved.text).toBe(201);
    expect(await ctx.db.functionEndpoint.findMany({ where: { namespace: "shop" }, select: { functions: true } })).toEqual([{ functions: "shop/*" }]);
    expect(await owner("shop/cart")).toBe("third");
    const [audit] = await moves("shop/cart");
    expect(audit.before).toMatchObject({ application: "first", endpoint: "shop/cart", removedEndpoint: { functions: "shop/cart", urlPathTemplate: URL_ } });
  });

  it("keeps 409 already-exists for the very same pattern, move or not", async () => {
    for (const query of [{}, { move: "true" }] as Array<Record<string, string>>) {
      const res = await register("second", "example/*", query);
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe("already-exists");
      expect(res.json.error.message).toContain('example/* (application "first")');
      expect(res.json.error.details.bound).toEqual([{ functions: "example/*", application: "first", endpointId: expect.any(String) }]);
    }
  });

  it("checks a replaced endpoint whose pattern changes", async () => {
    const created = await register("second", "other/thing");
    const params = { app: "second", endpointId: created.json.id };
    const body = { functions: "example/greeter", urlPathTemplate: URL_, skipProbe: true };
    const refused = await call("PUT", "/api/v1/applications/{app}/endpoints/{endpointId}", { params, body });
    expect(refused.status).toBe(409);
    expect(refused.json.error.details.conflicts[0]).toMatchObject({ application: "first", functionTypes: ["example/greeter"] });
    expect(await owner("example/greeter")).toBe("first");
    const moved = await call("PUT", "/api/v1/applications/{app}/endpoints/{endpointId}", { params, body, query: { move: "true" } });
    expect(moved.status, moved.text).toBe(200);
    expect(await owner("example/greeter")).toBe("second");
  });

  it("refuses a module taking a type on a dry run and on apply; with move the dry run lists the move and applies nothing", async () => {
    const yaml = endpointYaml("example/mailer");
    for (const dryRun of ["true", "false"]) {
      const res = await putModule("third", yaml + "---\n" + endpointYaml("shop/*"), { dryRun });
      expect(res.status, dryRun).toBe(409);
      expect(res.json.error.code).toBe("function-type-bound-elsewhere");
      expect(res.json.error.details.conflicts.map((c: { functions: string; application: string }) => [c.functions, c.application])).toEqual([["example/mailer", "first"]]);
    }
    const preview = await putModule("third", yaml + "---\n" + endpointYaml("shop/*"), { dryRun: "true", move: "true" });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json).toMatchObject({ applied: false, moves: [{ functions: "example/mailer", application: "first", pattern: "example/*" }] });
    expect(await owner("example/mailer")).toBe("first");
    expect(await moves("example/mailer")).toHaveLength(0);

    const applied = await putModule("third", yaml + "---\n" + endpointYaml("shop/*"), { move: "true" });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.json).toMatchObject({ applied: true, moves: [{ functions: "example/mailer", application: "first" }] });
    expect(await owner("example/mailer")).toBe("third");
    expect(await moves("example/mailer")).toHaveLength(1);
  });

  it("documents ?move=true on the endpoint and module routes of the OpenAPI document", () => {
    const paths = openApiDocument().paths as Record<string, Record<string, { parameters: Array<{ name: string; in: string }> }>>;
    const hasMove = (path: string, method: string) => paths[path][method].parameters.some((p) => p.name === "move" && p.in === "query");
    expect(hasMove("/api/v1/applications/{app}/endpoints", "post")).toBe(true);
    expect(hasMove("/api/v1/applications/{app}/endpoints/{endpointId}", "put")).toBe(true);
    expect(hasMove("/api/v1/applications/{app}/module", "put")).toBe(true);
  });
});

describe("an endpoint's seen function types", () => {
  it("lists every type of a wildcard the data plane has seen, with the state it registered, minus types exact endpoints take", async () => {
    await seenInCheckpoint("example/counter");
    await seenInCheckpoint("example/silent");
    const registered = await planeOf(ctx).registerSpecs("example/counter", [{ name: "count", typename: "io.statefun.types/int", mode: "AFTER_WRITE", ms: 60_000 }]);
    expect(registered).toHaveProperty("specs");

    const detail = await call("GET", "/api/v1/applications/{app}", { params: { app: "first" } });
    const wildcard = detail.json.endpoints.find((e: { functions: string }) => e.functions === "example/*");
    expect(wildcard.seenTypes).toEqual([
      { functionType: "example/counter", declaredState: [{ name: "count", typename: "io.statefun.types/int", expireMode: "AFTER_WRITE", expireAfterMillis: 60_000 }] },
      { functionType: "example/silent", declaredState: [] },
    ]);
    // example/person was seen too, but it is second's now
    const second = await call("GET", "/api/v1/applications/{app}/endpoints", { params: { app: "second" } });
    expect(second.json.endpoints.find((e: { functions: string }) => e.functions === "example/person").seenTypes).toEqual([{ functionType: "example/person", declaredState: [] }]);
    const one = await call("GET", "/api/v1/applications/{app}/endpoints/{endpointId}", { params: { app: "first", endpointId: wildcard.id } });
    expect(one.json.seenTypes.map((t: { functionType: string }) => t.functionType)).toEqual(["example/counter", "example/silent"]);
  });
});

describe("editing an endpoint as read", () => {
  it("keeps the transport properties Statehouse does not interpret when the endpoint read back is PUT with a new timeout", async () => {
    const created = await call("POST", "/api/v1/applications/{app}/endpoints", {
      params: { app: "third" },
      body: { functions: "pool/fn", urlPathTemplate: URL_, skipProbe: true, transport: { call: "30 s", pool_size: 3, payload_max_bytes: 1234 } },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.transport).toMatchObject({ pool_size: 3, payload_max_bytes: 1234, call: "30 s" });
    const { functions, urlPathTemplate, maxNumBatchRequests, transport } = created.json;
    const params = { app: "third", endpointId: created.json.id };
    const put = await call("PUT", "/api/v1/applications/{app}/endpoints/{endpointId}", { params, body: { functions, urlPathTemplate, maxNumBatchRequests, transport: { ...transport, call: "45 s" }, skipProbe: true } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.timeoutsMillis.call).toBe(45_000);
    expect((await ctx.db.functionEndpoint.findUniqueOrThrow({ where: { id: created.json.id } })).transportExtra).toEqual({ pool_size: 3, payload_max_bytes: 1234 });
  });
});
