import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { api, type ApiName, type RouteSpec } from "@/server/contracts/api";
import { ErrorBody } from "@/server/contracts/errors";
import { createApiToken } from "@/server/auth/api-tokens";
import { planeOf } from "@/server/dispatch/plane";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { callRoute } from "../support/call-route";
import { loadRoutes, type LoadedRoute } from "../support/routes";
import { waitFor } from "../support/processes";
import { headerValue, jsonBody, messageBody, nastyString, ndjsonBatch, savepointFile, yamlModule } from "./arbitraries";

/**
 * Walks every route of the contract (server/contracts/api.ts) with generated bad path segments, query values,
 * headers and bodies, as an anonymous caller, a viewer, an operator, the admin token and an admin cookie session,
 * calling the real route handlers in-process against real Postgres and Redis. Every answer must be below 500,
 * and every 4xx must carry the standard error body. Afterwards the system must still work: a worker started on
 * everything the fuzz left behind applies a new message.
 *
 * Bounded for CI (FUZZ_RUNS, default 3000 requests, and a time limit); a failure names its seed and path:
 * rerun it with FUZZ_SEED=<seed> FUZZ_PATH=<path>. Path segments with malformed percent-escapes never reach a
 * handler (Next's router decodes them first): tests/http/input-text.test.ts covers the proxy that answers those.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const PATH = process.env.FUZZ_PATH;
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 90_000);
const UUID0 = "00000000-0000-4000-8000-000000000000";
/**
 * Stand for ids known only at the time of the request: the fuzz application's endpoint (it changes when the fuzz
 * deletes it), and the last savepoint and API token the fuzz created, so their routes get past the 404.
 */
const made: Record<string, string | undefined> = {};
const LATER: Record<string, () => string> = {
  "<fuzz endpoint>": () => fuzzEndpointId ?? UUID0,
  "<savepoint>": () => made.savepoint ?? UUID0,
  "<savepoint job>": () => `savepoint-${made.savepoint ?? UUID0}`,
  "<token>": () => made.token ?? UUID0,
};
const PRIMITIVES = ["int", "long", "bool", "float", "double", "string"] as const;

let env: DispatchEnv;
let routes: Map<ApiName, LoadedRoute>;
let callers: Record<string, Record<string, string>>;
let fuzzEndpointId: string | undefined;

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v), "utf8").toString("base64url");

beforeAll(async () => {
  env = await createDispatchEnv();
  const loaded = await loadRoutes();
  routes = new Map(
    (Object.entries(api) as Array<[ApiName, RouteSpec]>).map(([name, spec]) => {
      const r = loaded.find((x) => x.method === spec.method && x.path === spec.path);
      if (!r) throw new Error(`no handler serves ${spec.method} ${spec.path}`);
      return [name, r];
    }),
  );
  // The application the health check uses: never named by the fuzz, so nothing it does can remove it.
  await env.call("POST", "/api/v1/applications", { body: { name: "playground" } });
  const module = readFileSync("examples/playground/module.yaml", "utf8").replaceAll("http://functions:8000/statefun", env.fns.url);
  expect((await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "playground" }, raw: module })).status).toBe(200);
  await restoreFuzzApp();
  expect(fuzzEndpointId).toBeDefined();
  // Registered state of every primitive type and a JSON one, so PATCH reaches its value checks.
  await planeOf(env.ctx).registerSpecs("fuzzns/typed", [
    ...PRIMITIVES.map((p) => ({ name: `a_${p}`, typename: `io.statefun.types/${p}`, mode: "NONE", ms: 0 })),
    { name: "a_json", typename: "fuzzns/Json", mode: "NONE", ms: 0 },
  ]);

  const admin = { kind: "admin-token", name: "admin-token", role: "admin" } as const;
  const viewer = (await createApiToken(env.ctx, admin, { name: "fuzz-viewer", role: "viewer" })).token;
  const operator = (await createApiToken(env.ctx, admin, { name: "fuzz-operator", role: "operator" })).token;
  callers = {
    anonymous: {},
    viewer: { authorization: `Bearer ${viewer}` },
    operator: { authorization: `Bearer ${operator}` },
    admin: { authorization: `Bearer ${env.ctx.env.STATEHOUSE_ADMIN_TOKEN}` },
  };
  await signIn();
}, 60_000);

/**
 * The application the fuzz may change, pause, re-module and delete, with an endpoint binding fuzzns/*: put back
 * after the fuzz deleted either, so later requests reach more than a 404.
 */
async function restoreFuzzApp(): Promise<void> {
  await env.call("POST", "/api/v1/applications", { body: { name: "fuzz" } });
  const listed = await env.call("GET", "/api/v1/applications/{app}/endpoints", { params: { app: "fuzz" } });
  const bound = (listed.json?.endpoints ?? []).find((e: { functions: string }) => e.functions === "fuzzns/*");
  if (bound) {
    fuzzEndpointId = bound.id;
    return;
  }
  const ep = await env.call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "fuzz" }, body: { functions: "fuzzns/*", urlPathTemplate: env.fns.url, skipProbe: true } });
  if (ep.status === 201) fuzzEndpointId = ep.json.id;
}

/** The admin's cookie session (with its CSRF token), as the console's caller. */
async function signIn(): Promise<void> {
  const login = await waitFor(async () => {
    const res = await callRoute(routes.get("login")!.fn, "POST", { body: { username: "admin", password: "test-admin-password" } });
    return res.status === 429 ? null : res;
  }, 10_000, 250);
  expect(login.status, login.text).toBe(200);
  const session = /sh_session=([^;]+)/.exec(login.headers.getSetCookie().join("\n"))![1];
  callers.session = { cookie: `sh_session=${session}`, "x-csrf-token": login.json.csrfToken };
}

afterAll(async () => env?.stop());

// ------------------------------------------------------------------------------------------------------------
// What a request is made of
// ------------------------------------------------------------------------------------------------------------

interface FuzzRequest {
  route: ApiName;
  caller: string;
  params: Record<string, string>;
  /** Already encoded `k=v` pairs, in order (a key may repeat). */
  query: string[];
  headers: Record<string, string>;
  body?: { text?: string; bytes?: Uint8Array; contentType?: string };
}

/** Values that get a request past the first checks, per path parameter. */
const paramPools = (): Record<string, string[]> => ({
  app: ["fuzz", "nope"],
  endpointId: ["<fuzz endpoint>", UUID0],
  userId: ["fuzz-user", "nobody"],
  tokenId: ["<token>", UUID0],
  namespace: ["fuzzns", "io.statefun.playground"],
  type: ["typed", "echo"],
  name: ["egress"],
  id: ["a", "<savepoint>", UUID0],
  jobId: ["<savepoint job>", `rollback-${UUID0}`],
});

const STREAM_IDS = ["0-0", "1-1", "99999999999999999999-99999999999999999999", "18446744073709551615-18446744073709551615", "18446744073709551616-0", "1-", "-1", "0"];
const QUERY_POOLS: Record<string, string[]> = {
  limit: ["1", "50", "0", "-1", "201", "1e3", "abc", "1.5", "99999999999999999999"],
  cursor: [
    "0",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "e30",
    "!!",
    b64url({ after: "\u0000" }),
    b64url({ after: "\udc00" }),
    b64url({ s: 0, c: "99999999999999999999", f: 0 }),
    b64url({ p: 0, s: 1e308, a: "\u0000" }),
    b64url({ p: 99999, s: 0, a: "" }),
    b64url([]),
  ],
  before: STREAM_IDS,
  after: STREAM_IDS,
  dryRun: ["true", "false", "1", "0", "yes", ""],
  against: ["live", UUID0],
  application: ["playground", "fuzz", "UPPER"],
  topic: ["greetings"],
  prefix: ["a", "*", "["],
  targetType: ["application", "address"],
  target: ["fuzz"],
};

const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
/** A lone surrogate has no UTF-8 form, so no URL carries one: a client can only send its CESU-8 bytes. */
const encodeValue = (s: string) => (isWellFormed(s) ? encodeURIComponent(s) : "%ed%a0%80");
const RAW_JUNK = ["%ff", "%", "%zz", "%00", "%ed%a0%80", "a%2"];

const SAMPLES: Partial<Record<ApiName, () => unknown>> = {
  // Not "admin": failed sign-ins throttle the user name, and the session caller signs in as admin.
  login: () => ({ username: "fuzz-user", password: "wrong-password" }),
  createUser: () => ({ username: "fuzz-user", password: "fuzz-password", role: "viewer" }),
  updateUser: () => ({ role: "viewer", disabled: false, password: "fuzz-password" }),
  createToken: () => ({ name: "fuzz-token", role: "viewer" }),
  createApplication: () => ({ name: "fuzz-new", description: "made by the fuzz suite" }),
  updateApplication: () => ({ description: "changed by the fuzz suite" }),
  createEndpoint: () => ({ functions: "fuzzns/*", urlPathTemplate: env.fns.url, maxNumBatchRequests: 10, transport: { type: "io.statefun.transports.v1/async", call: "10s", connect: "1s" }, skipProbe: true }),
  replaceEndpoint: () => ({ functions: "fuzzns/*", urlPathTemplate: env.fns.url, maxNumBatchRequests: 10, transport: { call: "10s", timeouts: { call: "5s" } }, skipProbe: true }),
  probeEndpoint: () => ({ functionType: "fuzzns/echo" }),
  probe: () => ({ urlPathTemplate: env.fns.url, functionType: "example/person", transport: { call: "2s" } }),
  patchState: () => ({
    expectedVersion: 0,
    set: { a_int: { value: 1 }, a_long: { value: "9007199254740993" }, a_bool: { base64: "CAE=" }, a_string: { value: "s" }, a_json: { value: { x: [1] } } },
    delete: ["a_double"],
    reason: "fuzz",
  }),
  createSavepoint: () => ({ label: "fuzz" }),
};

function bodyArb(name: ApiName, spec: RouteSpec): fc.Arbitrary<FuzzRequest["body"]> {
  if (!spec.body) return fc.constant(undefined);
  if (!("raw" in spec.body)) return jsonBody(SAMPLES[name]?.() ?? {});
  if (name === "putModule") return yamlModule(env.fns.url).map((text) => ({ text, contentType: "application/yaml" }));
  if (name === "sendBatch") return ndjsonBatch().map((text) => ({ text, contentType: "application/x-ndjson" }));
  if (name === "importSavepoint") return savepointFile("fuzz").map((text) => ({ text, contentType: "application/x-ndjson" }));
  return messageBody;
}

function queryArb(spec: RouteSpec): fc.Arbitrary<string[]> {
  const keys = Object.keys(spec.query?.shape ?? {});
  const value = (k: string) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(QUERY_POOLS[k] ?? ["x"])) }, { weight: 1, arbitrary: nastyString });
  const pair = (k: string) => fc.oneof({ weight: 8, arbitrary: value(k).map((v) => `${k}=${encodeValue(v)}`) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_JUNK).map((j) => `${k}=${j}`) });
  /** Present in 1 of `n` requests. */
  const sometimes = <T>(arb: fc.Arbitrary<T>, n: number) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  return fc
    .record({
      pairs: fc.tuple(...keys.map((k) => sometimes(pair(k), 3))),
      repeat: sometimes(fc.constantFrom(...(keys.length ? keys : ["x"])), 10),
      extra: sometimes(fc.tuple(nastyString, nastyString), 5),
    })
    .chain(({ pairs, repeat, extra }) =>
      (repeat ? pair(repeat) : fc.constant(undefined)).map((again) => [
        ...pairs.filter((p): p is string => p !== undefined),
        ...(again ? [again] : []),
        ...(extra ? [`${encodeValue(extra[0])}=${encodeValue(extra[1])}`] : []),
      ]),
    );
}

const paramsArb = (spec: RouteSpec): fc.Arbitrary<Record<string, string>> => {
  const names = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const pools = paramPools();
  return fc
    .tuple(...names.map((n) => fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...pools[n]) }, { weight: 3, arbitrary: nastyString }, { weight: 1, arbitrary: fc.uuid() })))
    .map((values) => Object.fromEntries(names.map((n, i) => [n, values[i]])));
};

const callerArb = fc.constantFrom("anonymous", "anonymous", "viewer", "operator", "admin", "admin", "admin", "session");

const headersArb: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      authorization: fc.oneof(fc.constantFrom("Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer sh_not-a-token", `Bearer ${"x".repeat(5_000)}`), headerValue.map((v) => `Bearer ${v}`)),
      cookie: fc.oneof(fc.constantFrom("sh_session=", "sh_session=%ff", "sh_session=a.b.c", "sh_session=\"\"", `sh_session=${"x".repeat(5_000)}`, "sh_session=1; sh_session=2"), headerValue.map((v) => `sh_session=${v}`)),
      "content-type": headerValue,
      "idempotency-key": headerValue,
      "x-csrf-token": headerValue,
      origin: fc.constantFrom("http://evil.example", "null", "http://127.0.0.1:3000", "ÿ"),
    },
    { requiredKeys: [] },
  )
  .map((h) => h as Record<string, string>);

const requestFor = (name: ApiName): fc.Arbitrary<FuzzRequest> => {
  const spec = api[name] as RouteSpec;
  return fc.record({
    route: fc.constant(name),
    caller: callerArb,
    params: paramsArb(spec),
    query: queryArb(spec),
    headers: fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: headersArb }),
    body: bodyArb(name, spec),
  });
};

// ------------------------------------------------------------------------------------------------------------
// Sending and judging
// ------------------------------------------------------------------------------------------------------------

const stats = { requests: 0, statuses: {} as Record<number, number>, callers: {} as Record<string, number>, routes: new Set<ApiName>(), byRoute: {} as Record<string, Record<number, number>>, samples: {} as Record<string, Record<number, string[]>> };

async function send(req: FuzzRequest): Promise<{ status: number; text: string }> {
  const r = { ...req, params: Object.fromEntries(Object.entries(req.params).map(([k, v]) => [k, Object.hasOwn(LATER, v) ? LATER[v]() : v])) };
  const spec = api[r.route] as RouteSpec;
  const path = spec.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeValue(r.params[k]));
  const url = `http://127.0.0.1:3000${path}${r.query.length ? `?${r.query.join("&")}` : ""}`;
  // The caller's credentials win over fuzzed ones, except for the anonymous caller, who gets the fuzzed junk.
  const headers = new Headers({ ...r.headers, ...callers[r.caller] });
  let body: BodyInit | undefined;
  if (r.body && spec.method !== "GET") {
    body = r.body.bytes ? Buffer.from(r.body.bytes) : r.body.text;
    if (!r.headers["content-type"]) headers.set("content-type", r.body.contentType ?? "application/json");
  }
  const fn = routes.get(r.route)!.fn as (req: Request, next: { params: Promise<Record<string, string>> }) => Promise<Response>;
  const res = await fn(new Request(url, { method: spec.method, headers, body }), { params: Promise.resolve(r.params) });
  stats.requests++;
  stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
  stats.callers[r.caller] = (stats.callers[r.caller] ?? 0) + 1;
  stats.routes.add(r.route);
  const text = await res.text();
  const byRoute = (stats.byRoute[r.route] ??= {});
  byRoute[res.status] = (byRoute[res.status] ?? 0) + 1;
  if (process.env.FUZZ_VERBOSE) {
    const seen = ((stats.samples[r.route] ??= {})[res.status] ??= []);
    if (seen.length < 3) seen.push(text.slice(0, 160));
  }
  // A fuzzed logout ends the session caller's session: sign in again, so the session keeps reaching handlers.
  if (r.caller === "session" && r.route === "logout" && res.status === 200) await signIn();
  if (res.status < 300 && (r.route === "createSavepoint" || r.route === "importSavepoint")) made.savepoint = JSON.parse(text).id;
  if (res.status < 300 && r.route === "createToken") made.token = JSON.parse(text).id;
  if ((r.route === "deleteApplication" || r.route === "deleteEndpoint" || r.route === "putModule" || r.route === "replaceEndpoint") && res.status === 200) await restoreFuzzApp();
  return { status: res.status, text };
}

const shown = (r: FuzzRequest) =>
  JSON.stringify({ ...r, route: `${api[r.route].method} ${api[r.route].path} (${r.route})`, body: r.body && { ...r.body, bytes: r.body.bytes && Buffer.from(r.body.bytes).toString("base64") } }, (_k, v: unknown) =>
    typeof v === "string" && v.length > 300 ? `${v.slice(0, 300)}…(${v.length} chars)` : v,
  );

function judge(r: FuzzRequest, res: { status: number; text: string }): void {
  const where = () => `${shown(r)}\n→ ${res.status} ${res.text.slice(0, 500)}`;
  if (res.status >= 500) throw new Error(`a 5xx answer: ${where()}`);
  if (res.status < 400) return;
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new Error(`a ${res.status} without a JSON body: ${where()}`);
  }
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success || !/\w{3,}/.test(parsed.data.error.message)) throw new Error(`a ${res.status} without the standard error body: ${where()}`);
  if (/at \w+ \(|node_modules/.test(res.text)) throw new Error(`a stack trace in the answer: ${where()}`);
}

describe("API fuzz: generated bad input to every route, every kind of caller", () => {
  it("never answers 5xx, always answers 4xx with the error body, and leaves the system working", async () => {
    const names = [...routes.keys()];
    const started = Date.now();
    console.log(JSON.stringify({ fuzz: "api", seed: SEED, runs: RUNS, replay: `FUZZ_SEED=${SEED}` }));
    // One generated request per route first, so every route is walked whatever the run count.
    const examples = names.map((n, i) => [fc.sample(requestFor(n), { seed: SEED + i, numRuns: 1 })[0]] as [FuzzRequest]);
    const property = fc.asyncProperty(fc.constantFrom(...names).chain(requestFor), async (r) => judge(r, await send(r)));
    const details = await fc.check(property, {
      numRuns: RUNS,
      seed: SEED,
      ...(PATH ? { path: PATH } : {}),
      examples,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
      markInterruptAsFailure: false,
      timeout: 30_000,
    });
    const summary = {
      fuzz: "api",
      seed: SEED,
      runs: details.numRuns,
      interrupted: details.interrupted,
      requests: stats.requests,
      routes: stats.routes.size,
      ofRoutes: names.length,
      callers: stats.callers,
      statuses: stats.statuses,
      ms: Date.now() - started,
    };
    console.log(JSON.stringify(summary));
    if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify(stats.byRoute), "\n", JSON.stringify(stats.samples, null, 1));
    if (details.failed)
      throw new Error(
        `API fuzz failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}"; replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}), ` +
          `shrunk ${details.numShrinks} times:\n${String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance)}`,
      );
    expect(stats.routes.size, "every route of the contract was called").toBe(names.length);
    expect(Object.keys(stats.callers).sort()).toEqual(["admin", "anonymous", "operator", "session", "viewer"]);

    // Healthy afterwards: Postgres and Redis answer, and a worker started on whatever the fuzz stored applies a
    // new message end to end (ingress → function → egress).
    const health = await callRoute(routes.get("health")!.fn, "GET", { path: "/api/health" });
    expect(health.status, health.text).toBe(200);
    expect(health.json).toMatchObject({ postgres: { ok: true }, redis: { ok: true } });
    await env.startWorker();
    const name = `fuzz-${SEED}`;
    const sent = await env.call("PUT", "/api/v1/ingress/{namespace}/{type}/{id}", {
      params: { namespace: "example", type: "person", id: name },
      raw: JSON.stringify({ name }),
      contentType: "application/vnd.example/GreetRequest",
    });
    expect(sent.status, sent.text).toBe(202);
    await waitFor(async () => (await env.egressPayloads("playground")).some((p) => p.payload.includes(name)), 30_000, 200);
  }, 240_000);
});
