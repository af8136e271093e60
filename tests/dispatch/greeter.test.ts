import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";

let env: DispatchEnv;

beforeAll(async () => {
  env = await createDispatchEnv();
  await env.call("POST", "/api/v1/applications", { body: { name: "playground" } });
  const module = readFileSync("examples/playground/module.yaml", "utf8").replaceAll("http://functions:8000/statefun", env.fns.url);
  const applied = await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "playground" }, raw: module });
  expect(applied.status, applied.text).toBe(200);
  await env.startWorker();
});
afterAll(async () => env?.stop());

const greet = (name: string) =>
  env.call("PUT", "/api/v1/ingress/{namespace}/{type}/{id}", {
    params: { namespace: "example", type: "person", id: name },
    raw: JSON.stringify({ name }),
    contentType: "application/vnd.example/GreetRequest",
  });

describe("the playground greeter, served by the official StateFun JS SDK, through the real ingress and worker", () => {
  it("greets Bob four times with the playground's texts, in order", async () => {
    for (let i = 0; i < 4; i++) {
      const res = await greet("Bob");
      expect(res.status, res.text).toBe(202);
      expect(res.json.messageId).toBeTruthy();
      // one at a time: the greeter's texts depend on the visit count at each step
      await waitFor(async () => (await env.egressPayloads("playground")).length === i + 1, 10_000);
    }
    const out = await env.egressPayloads("playground");
    expect(out).toEqual([
      { topic: "greetings", payload: "Welcome Bob" },
      { topic: "greetings", payload: "Nice to see you again Bob" },
      { topic: "greetings", payload: "Third time is a charm Bob" },
      { topic: "greetings", payload: "Nice to see you at the 4-nth time Bob!" },
    ]);
  });
});

describe("GET /api/v1/functions", () => {
  it("lists the greeter's types with their endpoint, address counts and backlog", async () => {
    const res = await env.call("GET", "/api/v1/functions");
    expect(res.status, res.text).toBe(200);
    const person = res.json.functions.find((f: { functionType: string }) => f.functionType === "example/person");
    expect(person).toMatchObject({ pattern: "example/*", application: "playground", addresses: 1, backlog: 0, parked: 0 });
    const greeter = res.json.functions.find((f: { functionType: string }) => f.functionType === "example/greeter");
    expect(greeter).toMatchObject({ addresses: 1, backlog: 0 });
  });
});
