import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { startEoFunction, type EoFunction } from "../support/eo-function";
import { readInt } from "../support/read-state";
import { waitFor } from "../support/processes";

let env: DispatchEnv;
let fn: EoFunction;

beforeAll(async () => {
  fn = await startEoFunction({ delayMs: 5 });
  env = await createDispatchEnv({ STATEHOUSE_PARTITIONS: "32", DISPATCH_GROUPS: "8", DISPATCH_SLICE_MS: "500", DISPATCH_LEASE_MS: "1500", DISPATCH_GROUP_LOCK_MS: "1500" });
  await env.call("POST", "/api/v1/applications", { body: { name: "eo" } });
  await env.call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "eo" }, body: { functions: "eo/*", urlPathTemplate: fn.url, skipProbe: true } });
});
afterAll(async () => {
  await env?.stop();
  await fn?.close();
});

const ADDRESSES = 200;
async function sendRound(round: number) {
  const lines = Array.from({ length: ADDRESSES }, (_, i) => JSON.stringify({ target: `eo/counter/${i}`, typename: "eo/go", value: { round } }));
  const res = await env.call("POST", "/api/v1/ingress", { raw: lines.join("\n"), contentType: "application/x-ndjson" });
  expect(res.json.accepted).toBe(ADDRESSES);
}
const total = async () => {
  let t = 0;
  for (let i = 0; i < ADDRESSES; i++) t += await readInt(env.ctx, `eo/counter/${i}`);
  return t;
};

describe("worker processes scale horizontally", () => {
  it("three workers share the partition groups, and the survivors take over a killed one's groups within seconds", async () => {
    const workers = await Promise.all([env.startWorker(), env.startWorker(), env.startWorker()]);
    let rounds = 0;
    // keep work flowing until every worker has run activations of its own
    await waitFor(async () => {
      await sendRound(rounds++);
      const views = await Promise.all(workers.map((w) => w.view()));
      return views.every((v) => v.dispatch.activations > 0);
    }, 60_000, 200);
    await waitFor(async () => (await total()) === rounds * ADDRESSES, 30_000, 100);

    workers[0].child.kill("SIGKILL");
    const killedAt = Date.now();
    await sendRound(rounds++);
    await waitFor(async () => (await total()) === rounds * ADDRESSES, 20_000, 100);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(10_000);
    const views = await Promise.all(workers.slice(1).map((w) => w.view()));
    expect(views.reduce((s, v) => s + v.dispatch.slices, 0)).toBeGreaterThan(0);
  }, 120_000);
});
