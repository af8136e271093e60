import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { StateFun, egressMessageBuilder, type Context, type Message } from "apache-flink-statefun";
import { ADMIN_TOKEN, deleteApplication, uniqueName } from "./helpers";

/**
 * A remote function an e2e spec can break and fix: `<namespace>/flaky`, served by the official StateFun SDK.
 * While broken every call answers HTTP 500 (so the address parks after its call budget); once fixed, each message
 * adds one to the `handled` state and sends `{topic: "flaky", payload: "<id> #<handled>: <message>"}` to the
 * playground egress.
 */
export interface FlakyFunction {
  url: string;
  /** The function type it serves. */
  functionType: string;
  broken: boolean;
  /** Calls answered with HTTP 500 so far. */
  failures: number;
  close(): Promise<void>;
}

export const EGRESS_ID = "io.statefun.playground/egress";
export const EGRESS_TOPIC = "flaky";

type EgressRecord = { topic: string; payload: string };
const EgressRecordType = StateFun.jsonType<EgressRecord>("io.statefun.playground/EgressRecord");

export async function startFlakyFunction(namespace: string, opts: { broken?: boolean } = {}): Promise<FlakyFunction> {
  const functionType = `${namespace}/flaky`;
  const statefun = new StateFun();
  statefun.bind({
    typename: functionType,
    specs: [{ name: "handled", type: StateFun.intType() }],
    fn: (context: Context, message: Message) => {
      const handled = ((context.storage.handled as number | null) ?? 0) + 1;
      context.storage.handled = handled;
      const text = message.isString() ? message.asString() : message.valueTypeName;
      context.send(
        egressMessageBuilder({ typename: EGRESS_ID, value: { topic: EGRESS_TOPIC, payload: `${context.self.id} #${handled}: ${text}` }, valueType: EgressRecordType }),
      );
    },
  });
  const handle = statefun.handler();
  const state = { broken: opts.broken ?? true, failures: 0 };
  const server: Server = createServer((req, res) => {
    if (state.broken) {
      state.failures++;
      req.resume();
      res.writeHead(500, { "content-type": "text/plain" }).end("flaky: broken on purpose by the e2e spec");
      return;
    }
    void handle(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/statefun`,
    functionType,
    get broken() {
      return state.broken;
    },
    set broken(v: boolean) {
      state.broken = v;
    },
    get failures() {
      return state.failures;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

const ADMIN_HEADERS = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * An application of its own for the flaky function: a playground egress (topic "flaky") and an endpoint with a
 * 2 s call budget, so a broken function parks its address within seconds. Registered without a probe (the
 * function may be broken right now).
 */
export async function registerFlaky(request: APIRequestContext, adminToken: string, app: string, fn: FlakyFunction): Promise<void> {
  const headers = ADMIN_HEADERS(adminToken);
  const created = await request.post("/api/v1/applications", { headers, data: { name: app, description: "e2e: a function that fails until fixed" } });
  expect(created.status(), await created.text()).toBe(201);
  const module = `kind: io.statefun.playground.v1/egress\nspec:\n  port: 8091\n  topics:\n    - ${EGRESS_TOPIC}\n`;
  const applied = await request.put(`/api/v1/applications/${app}/module`, { headers: { ...headers, "Content-Type": "application/yaml" }, data: module });
  expect(applied.status(), await applied.text()).toBe(200);
  const ep = await request.post(`/api/v1/applications/${app}/endpoints`, {
    headers,
    data: { functions: fn.functionType, urlPathTemplate: fn.url, transport: { call: "2s" }, skipProbe: true },
  });
  expect(ep.status(), await ep.text()).toBe(201);
}

/** Sends a text/plain message (an io.statefun.types/string) to `<functionType>/<id>`. */
export async function sendText(request: APIRequestContext, adminToken: string, functionType: string, id: string, text: string): Promise<void> {
  const res = await request.post(`/api/v1/ingress/${functionType}/${encodeURIComponent(id)}`, {
    headers: { ...ADMIN_HEADERS(adminToken), "Content-Type": "text/plain" },
    data: text,
  });
  expect(res.status(), await res.text()).toBe(202);
}

export interface AddressStateView {
  version: number;
  values: Array<{ name: string; value?: unknown }>;
  mailbox: { length: number };
  parked?: { error: string; since: string; attempts: number };
}

export async function readAddress(request: APIRequestContext, adminToken: string, functionType: string, id: string): Promise<AddressStateView | null> {
  const res = await request.get(`/api/v1/state/${functionType}/${encodeURIComponent(id)}`, { headers: ADMIN_HEADERS(adminToken) });
  if (res.status() === 404) return null;
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as AddressStateView;
}

/** Waits until the address is parked (its function failed past the call budget). */
export async function waitParked(request: APIRequestContext, adminToken: string, functionType: string, id: string): Promise<AddressStateView> {
  let last: AddressStateView | null = null;
  await expect
    .poll(async () => (last = await readAddress(request, adminToken, functionType, id))?.parked?.error ?? null, { timeout: 30_000, intervals: [250, 500, 1000] })
    .not.toBeNull();
  return last!;
}

/**
 * The spec's own application `<prefix>-…` with a flaky function in a namespace of the same name, registered
 * before the spec's tests and removed after them. Read `fn` inside tests (it is set by then).
 */
export function flakyApplication(prefix: string, opts: { broken: boolean }) {
  const app = uniqueName(prefix);
  const ref = { app, namespace: app.replaceAll("-", "."), fn: undefined as unknown as FlakyFunction };
  test.beforeAll(async ({ request }) => {
    ref.fn = await startFlakyFunction(ref.namespace, opts);
    await registerFlaky(request, ADMIN_TOKEN, app, ref.fn);
  });
  test.afterAll(async ({ request }) => {
    await ref.fn?.close();
    await deleteApplication(request, app);
  });
  return ref;
}
