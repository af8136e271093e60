import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { ErrorBody } from "@/server/contracts/errors";
import { planeOf } from "@/server/dispatch/plane";
import { encodePrimitive, PRIMITIVE_TYPENAMES } from "@/server/protocol/typed-values";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute, type CallOptions } from "../support/call-route";
import { loadRoutes, type LoadedRoute } from "../support/routes";

/**
 * Every input issue #14 lists as answering 500, one by one: each must be a 4xx with the standard error body.
 * (Malformed percent-escapes in a path segment never reach a handler: tests/http/input-text.test.ts covers the
 * proxy that answers them; the generated walk of every route is tests/fuzz/api-fuzz.test.ts.)
 */

let ctx: TestContext;
let routes: LoadedRoute[];
const URL0 = "http://127.0.0.1:1/statefun";

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  routes = await loadRoutes();
  expect((await call("POST", "/api/v1/applications", { body: { name: "target" } })).status).toBe(201);
  const module = `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: modns/*\n  urlPathTemplate: ${URL0}\n---\nkind: io.statefun.playground.v1/egress\nspec:\n  topics: [greetings]\n`;
  const applied = await call("PUT", "/api/v1/applications/{app}/module", { params: { app: "target" }, raw: module });
  expect(applied.status, applied.text).toBe(200);
  await planeOf(ctx).registerSpecs(
    "modns/typed",
    [...Object.values(PRIMITIVE_TYPENAMES).map((typename) => ({ name: typename.split("/")[1], typename, mode: "NONE", ms: 0 })), { name: "json", typename: "modns/Json", mode: "NONE", ms: 0 }],
  );
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

/** `path` is the contract path, optionally with a query string (so a parameter can be repeated). */
function call(method: string, path: string, opts: CallOptions = {}) {
  const bare = path.split("?")[0];
  const r = routes.find((x) => x.method === method && x.path === bare);
  if (!r) throw new Error(`no route ${method} ${bare}`);
  return callRoute(r.fn, method, { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, path, ...opts });
}

function expect4xx(res: { status: number; text: string; json: unknown }, where: string, field?: string) {
  const what = `${where}: ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(ErrorBody.safeParse(res.json).success, what).toBe(true);
  if (field) expect((res.json as { error: { message: string } }).error.message, what).toContain(field);
}

const endpoint = (spec: Record<string, unknown>) => ({ functions: "epns/*", urlPathTemplate: URL0, skipProbe: true, ...spec });
const yamlEndpoint = (line: string) => `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: modns/*\n  urlPathTemplate: ${URL0}\n  ${line}\n`;

describe("issue #14: each input that answered 500 is a 4xx with the error body", () => {
  it("a NUL in a path parameter", async () => {
    for (const method of ["GET", "PATCH", "DELETE"])
      expect4xx(await call(method, "/api/v1/applications/{app}", { params: { app: "\u0000" }, body: method === "PATCH" ? { description: "x" } : undefined }), `${method} /applications/%00`, "path.app");
    expect4xx(await call("PATCH", "/api/v1/users/{userId}", { params: { userId: "\u0000" }, body: { role: "viewer" } }), "PATCH /users/%00");
    expect4xx(await call("GET", "/api/v1/egress/{namespace}/{name}", { params: { namespace: "\u0000", name: "egress" } }), "GET /egress/%00/egress");
  });

  it("a NUL in a query parameter", async () => {
    expect4xx(await call("GET", "/api/v1/applications", { query: { cursor: "\u0000" } }), "?cursor=%00", "query.cursor");
    expect4xx(await call("GET", "/api/v1/audit", { query: { target: "\u0000" } }), "audit ?target=%00", "query.target");
    expect4xx(await call("GET", "/api/v1/audit", { query: { targetType: "\u0000" } }), "audit ?targetType=%00", "query.targetType");
  });

  it("a NUL or a lone surrogate in a JSON string", async () => {
    for (const bad of ["a\u0000b", "\udc00"]) {
      const w = JSON.stringify(bad);
      expect4xx(await call("POST", "/api/v1/applications", { body: { name: "x1", description: bad } }), `description ${w}`, "body.description");
      expect4xx(await call("PATCH", "/api/v1/applications/{app}", { params: { app: "target" }, body: { description: bad } }), `PATCH description ${w}`, "body.description");
      expect4xx(await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "target" }, body: endpoint({ functions: `ep${bad}/*` }) }), `functions ${w}`, "body.functions");
      expect4xx(await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "target" }, body: endpoint({ urlPathTemplate: `${URL0}/${bad}` }) }), `urlPathTemplate ${w}`, "body.urlPathTemplate");
      expect4xx(await call("POST", "/api/v1/tokens", { body: { name: `t${bad}`, role: "viewer" } }), `token name ${w}`, "body.name");
      expect4xx(await callRoute(routes.find((r) => r.path === "/api/v1/auth/login")!.fn, "POST", { body: { username: `ad${bad}min`, password: "x" } }), `login ${w}`, "body.username");
    }
    // nothing of it was stored
    expect((await ctx.db.application.findMany()).map((a) => a.description)).toEqual([""]);
  });

  it("a NUL or a lone surrogate in module YAML, in a dry run and applied", async () => {
    for (const functions of ['"mo\\0d/*"', '"mo\\ud800d/*"', '"modns/*"\n  extra: "\\udc00"'])
      for (const q of ["?dryRun=true", ""])
        expect4xx(await call("PUT", `/api/v1/applications/{app}/module${q}`, { params: { app: "target" }, raw: `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: ${functions}\n  urlPathTemplate: ${URL0}\n` }), `module ${functions} ${q}`);
  });

  it("numbers beyond int32 for durations and maxNumBatchRequests: refused alike by REST, a module dry run and a module apply", async () => {
    for (const call_ of ['"3000000000"', '"99999999999999"', "1e308", '"2147483648 ms"', '"25 d"'])
      expect4xx(
        await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "target" }, raw: JSON.stringify(endpoint({})).replace(/}$/, `,"transport":{"call":${call_}}}`), contentType: "application/json" }),
        `transport.call ${call_}`,
        "body.transport.call",
      );
    expect4xx(await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "target" }, body: endpoint({ maxNumBatchRequests: 2147483648 }) }), "maxNumBatchRequests", "body.maxNumBatchRequests");
    for (const line of ["maxNumBatchRequests: 2147483648", "maxNumBatchRequests: -2147483649", "maxNumBatchRequests: 1e308", 'transport: {call: "3000000000"}', "transport: {call: 99999999999999}", "transport: {connect: 1e308}"]) {
      const dry = await call("PUT", "/api/v1/applications/{app}/module?dryRun=true", { params: { app: "target" }, raw: yamlEndpoint(line) });
      const applied = await call("PUT", "/api/v1/applications/{app}/module", { params: { app: "target" }, raw: yamlEndpoint(line) });
      expect4xx(dry, `dry run ${line}`);
      expect4xx(applied, `apply ${line}`);
      expect(dry.json, line).toEqual(applied.json);
    }
    const hook = "kind: io.statehouse.webhook.v1/egress\nspec:\n  id: modns/hook\n  url: http://127.0.0.1:1/hook\n  maxAttempts: 1e308\n";
    expect4xx(await call("PUT", "/api/v1/applications/{app}/module?dryRun=true", { params: { app: "target" }, raw: `${yamlEndpoint("")}---\n${hook}` }), "webhook maxAttempts 1e308", "maxAttempts");
    // the longest accepted values still work
    const ok = await call("PUT", "/api/v1/applications/{app}/module?dryRun=true", { params: { app: "target" }, raw: yamlEndpoint('maxNumBatchRequests: 2147483647\n  transport: {call: "2147483647 ms"}') });
    expect(ok.status, ok.text).toBe(200);
  });

  it("a dry run refuses a binding another application holds, as applying does", async () => {
    expect((await call("POST", "/api/v1/applications", { body: { name: "other" } })).status).toBe(201);
    const dry = await call("PUT", "/api/v1/applications/{app}/module?dryRun=true", { params: { app: "other" }, raw: yamlEndpoint("maxNumBatchRequests: 5") });
    const applied = await call("PUT", "/api/v1/applications/{app}/module", { params: { app: "other" }, raw: yamlEndpoint("maxNumBatchRequests: 5") });
    expect(dry.status, dry.text).toBe(409);
    expect(applied.status, applied.text).toBe(409);
    expect(dry.json).toEqual(applied.json);
  });

  it("a repeated query parameter is refused, and ?dryRun=true&dryRun=false applies nothing", async () => {
    const before = await ctx.db.functionEndpoint.count();
    const res = await call("PUT", "/api/v1/applications/{app}/module?dryRun=true&dryRun=false", { params: { app: "target" }, raw: yamlEndpoint("maxNumBatchRequests: 7").replace("modns/*", "other/*") });
    expect4xx(res, "?dryRun=true&dryRun=false", "query.dryRun");
    expect(await ctx.db.functionEndpoint.count()).toBe(before);
    expect4xx(await call("GET", "/api/v1/applications?limit=1&limit=2"), "?limit=1&limit=2", "query.limit");
  });

  it("Redis stream ids beyond 2^64-1, and 0-0 as an exclusive end", async () => {
    const address = { namespace: "modns", type: "typed", id: "h" };
    const patched = await call("PATCH", "/api/v1/state/{namespace}/{type}/{id}", { params: address, body: { expectedVersion: 0, set: { int: { value: 1 } } } });
    expect(patched.status, patched.text).toBe(200);
    const history = "/api/v1/state/{namespace}/{type}/{id}/history";
    const first = await call("GET", history, { params: address });
    expect(first.json.commits).toHaveLength(1);
    const empty = await call("GET", history, { params: address, query: { before: "0-0" } });
    expect(empty.status, empty.text).toBe(200);
    expect(empty.json).toMatchObject({ commits: [], next: null });
    for (const before of ["99999999999999999999-99999999999999999999", "18446744073709551616-0", "0-18446744073709551616"])
      expect4xx(await call("GET", history, { params: address, query: { before } }), `history before=${before}`, "query.before");
    expect((await call("GET", history, { params: address, query: { before: "18446744073709551615-18446744073709551615" } })).json.commits).toHaveLength(1);

    const egress = { namespace: "io.statefun.playground", name: "egress" };
    expect4xx(await call("GET", "/api/v1/egress/{namespace}/{name}", { params: egress, query: { after: "99999999999999999999-99999999999999999999" } }), "egress after", "query.after");
    const end = await call("GET", "/api/v1/egress/{namespace}/{name}", { params: egress, query: { after: "18446744073709551615-18446744073709551615" } });
    expect(end.status, end.text).toBe(200);
    expect(end.json).toMatchObject({ records: [], next: null });

    for (const cursor of ["99999999999999999999", "9223372036854775808"]) expect4xx(await call("GET", "/api/v1/audit", { query: { cursor } }), `audit cursor=${cursor}`, "query.cursor");
    expect((await call("GET", "/api/v1/audit", { query: { cursor: "9223372036854775807" } })).status).toBe(200);
  });

  it("PATCH of a primitive state checks the value against its type, base64 included", async () => {
    const address = { namespace: "modns", type: "typed", id: "p" };
    const patch = (set: Record<string, unknown>) => call("PATCH", "/api/v1/state/{namespace}/{type}/{id}", { params: address, body: { expectedVersion: 0, set } });
    const garbage = Buffer.from("this is not a wrapper \u00ff").toString("base64");
    for (const t of ["int", "long", "bool", "float", "double", "string"]) {
      const res = await patch({ [t]: { base64: garbage } });
      expect4xx(res, `${t} base64 garbage`, `body.set.${t}.base64`);
      expect(res.json.error.message, t).toContain(`io.statefun.types/${t}`);
    }
    for (const [t, value] of [["int", 2 ** 31], ["int", "1"], ["long", "99999999999999999999"], ["bool", "true"], ["float", "1.5"], ["double", null], ["string", 5]] as const)
      expect4xx(await patch({ [t]: { value } }), `${t} value ${JSON.stringify(value)}`, `body.set.${t}.value`);
    // the negative control: each type's real wrapper is accepted, as base64 and as JSON
    const wrappers = { int: encodePrimitive("io.statefun.types/int", 7), bool: encodePrimitive("io.statefun.types/bool", true), string: encodePrimitive("io.statefun.types/string", "é") };
    const ok = await patch({
      ...Object.fromEntries(Object.entries(wrappers).map(([t, b]) => [t, { base64: Buffer.from(b).toString("base64") }])),
      long: { value: "9007199254740993" },
      float: { value: 1.5 },
      double: { value: -0.25 },
    });
    expect(ok.status, ok.text).toBe(200);
    const state = await call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: address });
    const values = Object.fromEntries(state.json.values.map((v: { name: string; value: unknown }) => [v.name, v.value]));
    expect(values).toMatchObject({ int: 7, bool: true, string: "é", long: "9007199254740993", float: 1.5, double: -0.25 });
  });

  it("a state value that decodes to text no audit row can hold (NUL, lone surrogate) is written and audited as its bytes", async () => {
    const address = { namespace: "modns", type: "typed", id: "nul" };
    const json = Buffer.from('{"a":"\\u0000","b":"\\udc00"}').toString("base64");
    const text = Buffer.from(encodePrimitive("io.statefun.types/string", "a\u0000b")).toString("base64");
    const res = await call("PATCH", "/api/v1/state/{namespace}/{type}/{id}", { params: address, body: { expectedVersion: 0, set: { json: { base64: json }, string: { base64: text } } } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.audited).toBe(true);
    const row = await ctx.db.auditEvent.findFirst({ where: { action: "state.patch", target: "modns/typed/nul" } });
    expect(row!.after).toMatchObject({ values: { json: { base64: json }, string: { base64: text } } });
  });
});
