import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createApiToken } from "@/server/auth/api-tokens";
import { Partitioning } from "@/server/dispatch/keys";
import { GET as prometheusRoute } from "@/app/metrics/route";
import { GET as metricsRoute } from "@/app/api/v1/metrics/route";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { callRoute } from "../support/call-route";
import { waitFor } from "../support/processes";

let env: DispatchEnv;
let viewer: string;
const admin = { kind: "admin-token", name: "admin-token", role: "admin" } as const;

beforeAll(async () => {
  env = await createDispatchEnv();
  await env.call("POST", "/api/v1/applications", { body: { name: "playground" } });
  const module = readFileSync("examples/playground/module.yaml", "utf8").replaceAll("http://functions:8000/statefun", env.fns.url);
  const applied = await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "playground" }, raw: module });
  expect(applied.status, applied.text).toBe(200);
  viewer = (await createApiToken(env.ctx, admin, { name: "scraper", role: "viewer" })).token;
  await env.startWorker();
});
afterAll(async () => env?.stop());

const send = (type: string, id: string, body: string, contentType: string) =>
  env.call("PUT", "/api/v1/ingress/{namespace}/{type}/{id}", { params: { namespace: type.split("/")[0], type: type.split("/")[1], id }, raw: body, contentType });
const greet = (name: string) => send("example/person", name, JSON.stringify({ name }), "application/vnd.example/GreetRequest");

type TypeReport = Record<string, any>;
const report = async (token = viewer) => {
  const res = await callRoute(metricsRoute, "GET", { path: "/api/v1/metrics", token });
  expect(res.status, res.text).toBe(200);
  return res.json as { workersReporting: number; windowSeconds: number; checkpoint: Record<string, any> | null; functionTypes: TypeReport[] };
};
const ofType = (r: { functionTypes: TypeReport[] }, t: string) => r.functionTypes.find((x) => x.functionType === t);

/** The value of one series in the Prometheus text, or undefined. */
function series(text: string, name: string, functionType: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{function_type="${functionType}"} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("per-function-type metrics with StateFun's names, from every worker", () => {
  it("count the greeter's messages, egress and call latency on /api/v1/metrics and /metrics", async () => {
    const names = ["Bob", "Bob", "Alice", "Bob"];
    for (const n of names) expect((await greet(n)).status).toBe(202);
    await waitFor(async () => (await env.egressPayloads("playground")).length === 4, 15_000);

    // Workers flush about once a second.
    const r = await waitFor(async () => {
      const x = await report();
      return ofType(x, "example/greeter")?.outEgress === 4 && ofType(x, "example/person")?.in === 4 && ofType(x, "example/greeter")?.in === 4 ? x : null;
    }, 10_000, 200);
    const person = ofType(r, "example/person")!;
    const greeter = ofType(r, "example/greeter")!;
    expect(r.workersReporting).toBe(1);

    // Each person message sends one message to example/greeter/<name>: local when both addresses share a partition.
    const parts = new Partitioning(env.ctx.env.STATEHOUSE_REDIS_PREFIX, env.ctx.env.STATEHOUSE_PARTITIONS, env.ctx.env.DISPATCH_GROUPS);
    const local = names.filter((n) => parts.partitionOf(`example/person/${n}`) === parts.partitionOf(`example/greeter/${n}`)).length;
    expect(person).toMatchObject({ in: 4, outLocal: local, outRemote: 4 - local, outEgress: 0, remoteInvocationFailures: 0, numBacklog: 0, numBlockedAddress: 0, inflightAsyncOps: 0 });
    expect(greeter).toMatchObject({ in: 4, outLocal: 0, outRemote: 0, outEgress: 4, remoteInvocationFailures: 0, numBacklog: 0, inflightAsyncOps: 0 });
    for (const t of [person, greeter]) {
      expect(t.remoteInvocationLatency.count).toBeGreaterThanOrEqual(1);
      expect(t.remoteInvocationLatency.p50Ms).toBeGreaterThan(0);
      expect(t.remoteInvocationLatency.p99Ms).toBeGreaterThanOrEqual(t.remoteInvocationLatency.p50Ms);
      expect(t.messageLatency.count).toBe(4);
      expect(t.messageLatency.lastMinute.count).toBe(4);
      expect(t.rates.in).toBeGreaterThan(0);
    }
    expect(greeter.rates.outEgress).toBeCloseTo(4 / r.windowSeconds, 2);

    const prom = await callRoute(prometheusRoute, "GET", { path: "/metrics", token: viewer });
    expect(prom.status, prom.text).toBe(200);
    expect(prom.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = prom.text;
    expect(text).toContain("# TYPE statehouse_function_in_total counter");
    expect(text).toContain("# TYPE statehouse_function_remote_invocation_latency_ms histogram");
    expect(series(text, "statehouse_function_in_total", "example/person")).toBe(4);
    expect(series(text, "statehouse_function_in_total", "example/greeter")).toBe(4);
    expect(series(text, "statehouse_function_out_egress_total", "example/greeter")).toBe(4);
    expect(series(text, "statehouse_function_out_egress_total", "example/person")).toBe(0);
    expect(series(text, "statehouse_function_out_local_total", "example/person")).toBe(local);
    expect(series(text, "statehouse_function_out_remote_total", "example/person")).toBe(4 - local);
    expect(series(text, "statehouse_function_num_backlog", "example/person")).toBe(0);
    expect(series(text, "statehouse_function_inflight_async_ops", "example/greeter")).toBe(0);
    expect(series(text, "statehouse_function_remote_invocation_latency_ms_count", "example/person")).toBe(person.remoteInvocationLatency.count);
    expect(series(text, "statehouse_function_message_latency_ms_count", "example/greeter")).toBe(4);
    expect(text).toMatch(/^statehouse_function_remote_invocation_latency_ms_bucket\{function_type="example\/greeter",le="\+Inf"\} [1-9]\d*$/m);
  });

  it("report the backlog and the addresses blocked at maxNumBatchRequests", async () => {
    expect((await env.call("POST", "/api/v1/applications", { body: { name: "capped" } })).status).toBe(201);
    const ep = await env.call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "capped" }, body: { functions: "capped/*", urlPathTemplate: env.fns.url, maxNumBatchRequests: 2 } });
    expect(ep.status, ep.text).toBe(201);
    expect((await env.call("POST", "/api/v1/applications/{app}/pause", { params: { app: "capped" } })).status).toBe(200);
    // While paused, messages queue; a mailbox at the cap refuses more (429), exactly like StateFun's blocked address.
    const statuses = [];
    for (const id of ["a", "a", "a", "b", "c", "c"]) statuses.push((await send("capped/count", id, "x", "text/plain")).status);
    expect(statuses).toEqual([202, 202, 429, 202, 202, 202]);
    const r = await waitFor(async () => {
      const x = ofType(await report(), "capped/count");
      return x?.numBacklog === 5 && x.numBlockedAddress === 2 ? x : null;
    }, 10_000, 200);
    expect(r).toMatchObject({ in: 0, numBacklog: 5, numBlockedAddress: 2 });
    const prom = await callRoute(prometheusRoute, "GET", { path: "/metrics", token: viewer });
    expect(series(prom.text, "statehouse_function_num_backlog", "capped/count")).toBe(5);
    expect(series(prom.text, "statehouse_function_num_blocked_address", "capped/count")).toBe(2);
  });

  it("report the checkpoint lag and the changes not yet in Postgres, from the worker's checkpointer", async () => {
    const parts = new Partitioning(env.ctx.env.STATEHOUSE_REDIS_PREFIX, env.ctx.env.STATEHOUSE_PARTITIONS, env.ctx.env.DISPATCH_GROUPS);
    // drained: the cursor reached the global sequence (the greetings above are done; the capped app is paused)
    const cp = await waitFor(async () => {
      const c = (await report()).checkpoint;
      return c && c.pending === 0 && c.seq === Number(await env.ctx.redis.get(parts.seq)) ? c : null;
    }, 15_000, 100);
    expect(cp).toMatchObject({ lagMs: 0, lastRoundAt: expect.any(String) });

    const prom = await callRoute(prometheusRoute, "GET", { path: "/metrics", token: viewer });
    expect(prom.text).toContain("# TYPE statehouse_checkpoint_lag_ms gauge");
    expect(prom.text).toContain("# TYPE statehouse_checkpoint_pending_changes gauge");
    expect(prom.text).toMatch(/^statehouse_checkpoint_lag_ms \d+$/m);
    expect(prom.text).toMatch(/^statehouse_checkpoint_pending_changes \d+$/m);
  });

  it("need a credential: 401 without one, on both routes", async () => {
    for (const [fn, path] of [[metricsRoute, "/api/v1/metrics"], [prometheusRoute, "/metrics"]] as const) {
      const res = await callRoute(fn, "GET", { path });
      expect(res.status, path).toBe(401);
      expect(res.json.error.code).toBe("unauthenticated");
      expect((await callRoute(fn, "GET", { path, token: "sh_not-a-token" })).status).toBe(401);
    }
  });

  it("are also served per worker, by prom-client, on the worker's health port", async () => {
    const text = await (await fetch(env.workers[0].healthz.replace("/healthz", "/metrics"))).text();
    expect(text).toMatch(/^statehouse_function_in_total\{function_type="example\/person"\} 4$/m);
    expect(text).toMatch(/^statehouse_function_out_egress_total\{function_type="example\/greeter"\} 4$/m);
  });
});
