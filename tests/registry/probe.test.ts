import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StateFun } from "apache-flink-statefun";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFunctionServer, type FunctionServer } from "@/examples/functions/server";
import { AppError } from "@/server/errors";
import { decodeToFunction } from "@/server/protocol/codec";
import { closeTransport } from "@/server/protocol/transport";
import { probeFunction, type ProbeInput } from "@/server/registry/probe";

let functions: FunctionServer;
const extraServers: Server[] = [];

async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  extraServers.push(server);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function probeError(input: ProbeInput): Promise<AppError> {
  const error = await probeFunction(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

beforeAll(async () => {
  functions = await startFunctionServer({ port: 0 });
});
afterAll(async () => {
  await functions?.close();
  for (const s of extraServers) {
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  }
  await closeTransport();
});

describe("probeFunction against the official JS SDK", () => {
  it("lists the declared state of example/person", async () => {
    const result = await probeFunction({ urlPathTemplate: functions.url, functionType: "example/person" });
    expect(result).toMatchObject({ reachable: true, url: functions.url });
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.declaredState).toEqual([
      { name: "visits", typename: "io.statefun.types/int", expireMode: "NONE", expireAfterMillis: 0 },
    ]);
  });

  it("returns no state for the stateless example/greeter", async () => {
    const result = await probeFunction({ urlPathTemplate: functions.url, functionType: "example/greeter" });
    expect(result.declaredState).toEqual([]);
  });

  it("reports custom state types (shopping cart basket)", async () => {
    const result = await probeFunction({ urlPathTemplate: functions.url, functionType: "com.example/user-shopping-cart" });
    expect(result.declaredState).toEqual([
      { name: "basket", typename: "com.example/Basket", expireMode: "NONE", expireAfterMillis: 0 },
    ]);
  });

  it("reports TTLs in declaration order", async () => {
    const statefun = new StateFun();
    statefun.bind({
      typename: "ttl/fn",
      fn: () => {
        throw new Error("a probe must never run the function");
      },
      specs: [
        { name: "session", type: StateFun.stringType(), expireAfterWrite: 60_000 },
        { name: "seen", type: StateFun.intType(), expireAfterCall: 1_500 },
        { name: "flag", type: StateFun.booleanType() },
      ],
    });
    const base = await serve(statefun.handler() as RequestListener);
    const result = await probeFunction({ urlPathTemplate: `${base}/{function.name}`, functionType: "ttl/fn" });
    expect(result.url).toBe(`${base}/fn`);
    expect(result.declaredState).toEqual([
      { name: "session", typename: "io.statefun.types/string", expireMode: "AFTER_WRITE", expireAfterMillis: 60_000 },
      { name: "seen", typename: "io.statefun.types/int", expireMode: "AFTER_INVOKE", expireAfterMillis: 1_500 },
      { name: "flag", typename: "io.statefun.types/bool", expireMode: "NONE", expireAfterMillis: 0 },
    ]);
  });

  it("fails with probe-failed naming HTTP 500 when the endpoint does not serve the function type", async () => {
    const e = await probeError({ urlPathTemplate: functions.url, functionType: "example/nobody" });
    expect(e.code).toBe("probe-failed");
    expect(e.message).toMatch(/HTTP 500/);
    expect(e.message).toContain("example/nobody");
  });
});

describe("probe request", () => {
  it("is a ToFunction for <type>/statehouse-probe with no state and no invocations, sent with StateFun's headers", async () => {
    let seen: { method?: string; headers: IncomingHttpHeaders; body: Buffer } | undefined;
    const base = await serve(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      seen = { method: req.method, headers: req.headers, body: Buffer.concat(chunks) };
      res.writeHead(200).end(); // empty body: "done, no side effects"
    });
    const result = await probeFunction({ urlPathTemplate: `${base}/statefun`, functionType: "acme.fns/cart" });
    expect(result.declaredState).toEqual([]);
    expect(seen!.method).toBe("POST");
    expect(seen!.headers["content-type"]).toBe("application/octet-stream");
    expect(seen!.headers["accept"]).toBe("application/octet-stream");
    expect(seen!.headers["user-agent"]).toBe("statefun");
    expect(Number(seen!.headers["content-length"])).toBeGreaterThan(0);
    expect(decodeToFunction(seen!.body)).toEqual({
      invocation: { target: { namespace: "acme.fns", type: "cart", id: "statehouse-probe" }, state: [], invocations: [] },
    });
  });
});

describe("probe failures", () => {
  it("maps a closed port to endpoint-unreachable naming the URL and the cause", async () => {
    const closed = await serve(() => {});
    const server = extraServers.pop()!;
    await new Promise((ok) => server.close(ok));
    const e = await probeError({ urlPathTemplate: `${closed}/statefun`, functionType: "example/person" });
    expect(e.code).toBe("endpoint-unreachable");
    expect(e.message).toContain(`${closed}/statefun`);
    expect(e.message).toMatch(/connection refused/);
    expect(e.details).toMatchObject({ cause: "connection-refused" });
  });

  it("maps an unknown host to endpoint-unreachable", async () => {
    const e = await probeError({ urlPathTemplate: "http://no-such-host.invalid/statefun", functionType: "example/person" });
    expect(e.code).toBe("endpoint-unreachable");
    expect(e.message).toMatch(/host not found/);
  });

  it("maps a function that never answers to endpoint-unreachable after the call timeout", async () => {
    const base = await serve(() => {
      /* never respond */
    });
    const started = Date.now();
    const e = await probeError({ urlPathTemplate: base, functionType: "example/person", callTimeoutMs: 300 });
    expect(e.code).toBe("endpoint-unreachable");
    expect(e.message).toMatch(/300 ms call timeout/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("maps HTTP 404 to probe-failed with the status, content type and length, never the body", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" }).end("no route /wrong\n");
    });
    const e = await probeError({ urlPathTemplate: `${base}/wrong`, functionType: "example/person" });
    expect(e.code).toBe("probe-failed");
    expect(e.message).toBe(`${base}/wrong answered HTTP 404 (16 bytes, content-type text/plain)`);
    expect(JSON.stringify(e.details)).not.toContain("no route");
    expect(e.details).toMatchObject({ status: 404, contentType: "text/plain", bytes: 16 });
  });

  it("maps a 200 with garbage bytes to probe-failed: not a StateFun FromFunction", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from([0xa2, 0x06, 0xff, 0x01]));
    });
    const e = await probeError({ urlPathTemplate: base, functionType: "example/person" });
    expect(e.code).toBe("probe-failed");
    expect(e.message).toMatch(/not a StateFun FromFunction/);
  });

  it("treats a 200 body of unknown fields only (neither oneof member) as not a StateFun FromFunction", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200).end(Buffer.from([0x08, 0x01]));
    });
    const e = await probeError({ urlPathTemplate: base, functionType: "example/person" });
    expect(e.code).toBe("probe-failed");
    expect(e.message).toMatch(/not a StateFun FromFunction .*neither invocation_result nor incomplete_invocation_context/);
  });

  it("treats a 200 HTML page as not a StateFun FromFunction either", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>It works</title>");
    });
    const e = await probeError({ urlPathTemplate: base, functionType: "example/person" });
    expect(e.code).toBe("probe-failed");
    expect(e.message).toMatch(/not a StateFun FromFunction/);
  });

  it("rejects a bad template or function type before any request", async () => {
    expect((await probeError({ urlPathTemplate: "functions:8000/statefun", functionType: "example/person" })).code).toBe(
      "validation-failed",
    );
    expect((await probeError({ urlPathTemplate: functions.url, functionType: "example" })).code).toBe("validation-failed");
  });
});
