import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { closeTransport } from "@/server/protocol/transport";
import { apiClient } from "../support/api-client";
import { loopbackOnly } from "../support/loopback-only";
import { createTestContext, type TestContext } from "../support/test-context";

// Registration refuses from the URL text alone; nothing here resolves a name or connects beyond loopback.
let open: TestContext;
let listed: TestContext;
let server: Server;
let base: string;
let net: ReturnType<typeof loopbackOnly>;
type Call = Awaited<ReturnType<typeof apiClient>>;
let callOpen: Call;
let callListed: Call;

async function clientOf(ctx: TestContext): Promise<Call> {
  const call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  return (...args) => {
    setAppContext(ctx);
    return call(...args);
  };
}

beforeAll(async () => {
  net = loopbackOnly();
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(403, { "content-type": "text/html" }).end("<h1>internal admin</h1> token=SHOULD-NOT-LEAK");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  open = await createTestContext();
  listed = await createTestContext({ STATEHOUSE_FUNCTION_HOSTS: "functions,.fn.internal" });
  callOpen = await clientOf(open);
  callListed = await clientOf(listed);
  for (const call of [callOpen, callListed]) expect((await call("POST", "/api/v1/applications", { body: { name: "shop" } })).status).toBe(201);
});
afterAll(async () => {
  setAppContext(undefined);
  net?.restore();
  await closeTransport();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await open?.cleanup();
  await listed?.cleanup();
});

const params = { app: "shop" };
const META = ["http://169.254.169.254/latest/{function.name}", "http://[fe80::1]:8000/", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/", "http://2852039166/"];

describe("by default, registration refuses link-local hosts with 422 host-not-allowed", () => {
  it("POST and PUT of an endpoint (before any probe)", async () => {
    for (const urlPathTemplate of META) {
      const res = await callOpen("POST", "/api/v1/applications/{app}/endpoints", { params, body: { functions: "shop/cart", urlPathTemplate } });
      expect(res.status, urlPathTemplate).toBe(422);
      expect(res.json.error.code).toBe("host-not-allowed");
      expect(res.json.error.message).toMatch(/^urlPathTemplate: \S+ is a link-local address .*STATEHOUSE_ALLOW_LINK_LOCAL=true/);
    }
    const ok = await callOpen("POST", "/api/v1/applications/{app}/endpoints", { params, body: { functions: "shop/cart", urlPathTemplate: "http://functions:8000/statefun", skipProbe: true } });
    expect(ok.status, ok.text).toBe(201);
    const put = await callOpen("PUT", "/api/v1/applications/{app}/endpoints/{endpointId}", { params: { ...params, endpointId: ok.json.id }, body: { functions: "shop/cart", urlPathTemplate: "http://169.254.169.254/", skipProbe: true } });
    expect(put.status).toBe(422);
    expect(put.json.error.code).toBe("host-not-allowed");
    expect((await open.db.functionEndpoint.findFirstOrThrow({ where: { id: ok.json.id } })).urlPathTemplate).toBe("http://functions:8000/statefun");
  });

  it("a module's endpoints and webhook egresses, naming the document and line (dry run too)", async () => {
    const endpoint = "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: shop/*\n  urlPathTemplate: http://169.254.169.254/{function.name}\n";
    const webhook = "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: shop/*\n  urlPathTemplate: http://functions:8000/\n---\nkind: io.statehouse.webhook.v1/egress\nspec:\n  id: shop/receipts\n  url: http://[::ffff:a9fe:a9fe]/hook\n";
    for (const dryRun of ["true", "false"]) {
      const a = await callOpen("PUT", "/api/v1/applications/{app}/module", { params, raw: endpoint, query: { dryRun } });
      expect(a.status, a.text).toBe(422);
      expect(a.json.error).toMatchObject({ code: "host-not-allowed", details: { document: 1, path: "spec.urlPathTemplate", line: 4 } });
      const b = await callOpen("PUT", "/api/v1/applications/{app}/module", { params, raw: webhook, query: { dryRun } });
      expect(b.status, b.text).toBe(422);
      expect(b.json.error).toMatchObject({ code: "host-not-allowed", details: { document: 2, path: "spec.url", line: 9 } });
      expect(b.json.error.message).toMatch(/::ffff:a9fe:a9fe is a link-local address/);
    }
    expect(await open.db.egress.count()).toBe(0);
  });

  it("the probe route", async () => {
    for (const urlPathTemplate of META) {
      const res = await callOpen("POST", "/api/v1/probe", { body: { urlPathTemplate, functionType: "shop/cart" } });
      expect(res.status, urlPathTemplate).toBe(422);
      expect(res.json.error.code).toBe("host-not-allowed");
    }
  });

  it("the probe route's 422 for a non-function names status, content type and length, never the body", async () => {
    const res = await callOpen("POST", "/api/v1/probe", { body: { urlPathTemplate: `${base}/admin`, functionType: "shop/cart" } });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: "probe-failed", message: `${base}/admin answered HTTP 403 (45 bytes, content-type text/html)` });
    expect(res.text).not.toMatch(/SHOULD-NOT-LEAK|internal admin/);
  });
});

describe("STATEHOUSE_FUNCTION_HOSTS set: only what it lists", () => {
  it("endpoints, modules and probes to other hosts are refused; listed names and suffixes are accepted", async () => {
    const register = (functions: string, urlPathTemplate: string) =>
      callListed("POST", "/api/v1/applications/{app}/endpoints", { params, body: { functions, urlPathTemplate, skipProbe: true } });
    for (const [functions, url] of [["shop/a", "http://other:8000/"], ["shop/b", "http://fn.internal/"], ["shop/c", "http://127.0.0.1:8000/"]]) {
      const res = await register(functions, url);
      expect(res.status, url).toBe(422);
      expect(res.json.error).toMatchObject({ code: "host-not-allowed", message: expect.stringMatching(/is not allowed by STATEHOUSE_FUNCTION_HOSTS$/) });
    }
    expect((await register("shop/d", "http://functions:8000/statefun")).status).toBe(201);
    expect((await register("shop/e", "http://cart.fn.internal/{function.name}")).status).toBe(201);
    const module = await callListed("PUT", "/api/v1/applications/{app}/module", {
      params,
      raw: "kind: io.statehouse.webhook.v1/egress\nspec:\n  id: shop/receipts\n  url: https://hooks.example.com/x\n",
    });
    expect(module.json.error).toMatchObject({ code: "host-not-allowed", details: { path: "spec.url" } });
    const probe = await callListed("POST", "/api/v1/probe", { body: { urlPathTemplate: `${base}/admin`, functionType: "shop/cart" } });
    expect(probe.status).toBe(422);
    expect(probe.json.error.code).toBe("host-not-allowed");
  });

  it("negative control: the same module and probe are accepted without the list", async () => {
    const module = await callOpen("PUT", "/api/v1/applications/{app}/module", {
      params,
      raw: "kind: io.statehouse.webhook.v1/egress\nspec:\n  id: shop/receipts\n  url: https://hooks.example.com/x\n",
      query: { dryRun: "true" },
    });
    expect(module.status, module.text).toBe(200);
    expect((await callOpen("POST", "/api/v1/applications/{app}/endpoints", { params, body: { functions: "shop/x", urlPathTemplate: "http://other:8000/", skipProbe: true } })).status).toBe(201);
  });
});
