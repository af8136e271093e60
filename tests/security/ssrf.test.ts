import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UnrecoverableError } from "bullmq";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CallFailedError, callFunction } from "@/server/dispatch/call-function";
import { postWebhook } from "@/server/egress-webhook/post-webhook";
import { AppError } from "@/server/errors";
import { guardedAgent } from "@/server/net/guarded-agent";
import { createHostPolicy, type HostPolicyOptions } from "@/server/net/host-policy";
import { closeTransport, postToFunction, TransportError } from "@/server/protocol/transport";
import { probeFunction } from "@/server/registry/probe";
import type { BoundEndpoint } from "@/server/registry/registry-snapshot";
import { fakeDns } from "../support/fake-dns";
import { loopbackOnly } from "../support/loopback-only";

// Names resolve through this table, never through DNS; every socket is loopback-only (loopbackOnly), so a broken
// guard makes these tests fail instead of reaching a metadata service.
const { resolve, asked: resolved } = fakeDns({
  "evil.test": ["169.254.169.254"],
  // a guard that checked only the address it connects to would connect to 127.0.0.1 here
  "mixed.test": ["127.0.0.1", "169.254.169.254"],
  "mapped.test": ["::ffff:169.254.169.254"],
  "v6meta.test": ["fd00:ec2::254"],
  "functions.test": ["127.0.0.1"],
  "other.test": ["127.0.0.1"],
});
const policy = (o: Omit<HostPolicyOptions, "resolve"> = {}) => createHostPolicy({ ...o, resolve });

let server: Server;
let port: number;
let connections = 0;
const paths: string[] = [];
let net: ReturnType<typeof loopbackOnly>;

beforeAll(async () => {
  net = loopbackOnly();
  server = createServer((req, res) => {
    paths.push(req.url!);
    req.resume();
    if (req.url === "/moved") return void res.writeHead(302, { location: "/landing" }).end();
    if (req.url === "/secret") return void res.writeHead(403, { "content-type": "text/plain" }).end("aws_secret_access_key=SHOULD-NOT-LEAK");
    res.writeHead(200).end();
  });
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  net?.restore();
  await closeTransport();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  resolved.length = 0;
  paths.length = 0;
});

const post = (url: string, hostPolicy = policy()) =>
  postToFunction(url, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 2_000, hostPolicy });
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable("the call should be refused"),
    (e: unknown) => e as TransportError,
  );

describe("function calls (transport) refuse before connecting", () => {
  it("a name that resolves to a link-local address, in any of its forms, or among other addresses", async () => {
    for (const host of ["evil.test", "mixed.test", "mapped.test", "v6meta.test"]) {
      const before = connections;
      const e = await refusal(post(`http://${host}:${port}/fn`));
      expect(e, host).toBeInstanceOf(TransportError);
      expect(e.kind, host).toBe("host-not-allowed");
      expect(e.message).toMatch(new RegExp(`^POST http://${host.replace(".", "\\.")}:\\d+/fn: refused before connecting: ${host.replace(".", "\\.")} resolves to \\S+, which is a link-local address`));
      expect(connections - before, `${host}: no connection was opened`).toBe(0);
    }
    expect(resolved).toEqual(["evil.test", "mixed.test", "mapped.test", "v6meta.test"]);
    expect(paths).toEqual([]);
  });

  it("negative control: with STATEHOUSE_ALLOW_LINK_LOCAL=true the mixed name connects (the count sees connections)", async () => {
    const before = connections;
    expect((await post(`http://mixed.test:${port}/fn`, policy({ allowLinkLocal: true }))).status).toBe(200);
    expect(connections - before).toBe(1);
    expect(paths).toEqual(["/fn"]);
    // the loopback-only guard sits in undici's path (and dropped 169.254.169.254 from what net saw)
    expect(net.hosts).toContain("mixed.test");
  });

  it("literal link-local addresses, without ever asking net to connect to them", async () => {
    const hostsBefore = net.hosts.length;
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/", "http://2852039166/", "http://0xa9.0xfe.0xa9.0xfe/"]) {
      const e = await refusal(post(url));
      expect(e.kind, url).toBe("host-not-allowed");
      expect(e.message, url).toMatch(/refused before connecting: \S+ is a link-local address/);
    }
    expect(net.hosts.slice(hostsBefore)).toEqual([]);
    expect(resolved).toEqual([]);
  });

  it("STATEHOUSE_FUNCTION_HOSTS: a listed name or CIDR connects, anything else is refused at connect time", async () => {
    const byName = policy({ allow: ["functions.test"] });
    expect((await post(`http://functions.test:${port}/a`, byName)).status).toBe(200);
    const before = connections;
    expect((await refusal(post(`http://other.test:${port}/b`, byName))).message).toMatch(/other\.test resolves to 127\.0\.0\.1, which is not allowed by STATEHOUSE_FUNCTION_HOSTS/);
    expect((await refusal(post(`http://127.0.0.1:${port}/c`, byName))).kind).toBe("host-not-allowed");
    expect(connections).toBe(before);

    const byCidr = policy({ allow: ["127.0.0.0/8"] });
    expect((await post(`http://other.test:${port}/d`, byCidr)).status).toBe(200);
    expect((await refusal(post(`http://other.test:${port}/e`, policy({ allow: ["10.0.0.0/8"] })))).kind).toBe("host-not-allowed");
    expect(paths).toEqual(["/a", "/d"]);
  });

  it("a dispatch call is not retried: it fails after one attempt with the reason, so the address parks with it", async () => {
    const ep = { callTimeoutMs: 5_000, connectTimeoutMs: 1_000, transportType: "io.statefun.transports.v1/async" } as BoundEndpoint;
    const e = await callFunction(`http://evil.test:${port}/fn`, new Uint8Array([1]), ep, { hostPolicy: policy() }).then(
      () => expect.unreachable("the call should fail"),
      (err: unknown) => err as CallFailedError,
    );
    expect(e).toBeInstanceOf(CallFailedError);
    expect(e.attempts).toBe(1);
    expect(resolved).toEqual(["evil.test"]);
    expect(e.message).toMatch(/^calling http:\/\/evil\.test:\d+\/fn failed: refused before connecting: evil\.test resolves to 169\.254\.169\.254, which is a link-local address .*\(not retried\)$/);
  });
});

describe("the probe", () => {
  const probeError = (urlPathTemplate: string, hosts = policy()) =>
    probeFunction({ urlPathTemplate, functionType: "example/fn", hosts, connectTimeoutMs: 1_000, callTimeoutMs: 2_000 }).then(
      () => expect.unreachable("the probe should fail"),
      (e: unknown) => e as AppError,
    );

  it("refuses a blocked literal from its text and a name that resolves to one at connect time, with host-not-allowed", async () => {
    const literal = await probeError("http://[::ffff:169.254.169.254]/{function.name}");
    expect(literal).toBeInstanceOf(AppError);
    expect(literal.code).toBe("host-not-allowed");
    const before = connections;
    const named = await probeError(`http://evil.test:${port}/{function.name}`);
    expect(named.code).toBe("host-not-allowed");
    expect(named.message).toMatch(/^http:\/\/evil\.test:\d+\/fn: refused before connecting: evil\.test resolves to 169\.254\.169\.254/);
    expect(connections).toBe(before);
  });

  it("names status, content type and length of what answered, never its body", async () => {
    const e = await probeError(`http://127.0.0.1:${port}/secret`);
    expect(e.code).toBe("probe-failed");
    expect(e.message).toBe(`http://127.0.0.1:${port}/secret answered HTTP 403 (37 bytes, content-type text/plain)`);
    expect(JSON.stringify({ message: e.message, details: e.details })).not.toMatch(/SHOULD-NOT-LEAK|aws_secret/);
  });
});

describe("webhook delivery", () => {
  const agents: Agent[] = [];
  afterAll(() => Promise.all(agents.map((a) => a.close())));
  const deliver = (url: string, hosts = policy()) => {
    const dispatcher = guardedAgent(hosts, 1_000);
    agents.push(dispatcher);
    return postWebhook({ url, idempotencyKey: "k1", json: "{}", timeoutMs: 2_000, dispatcher });
  };

  it("does not follow a redirect: a 302 is a failed attempt and its Location is never requested", async () => {
    await expect(deliver(`http://127.0.0.1:${port}/moved`)).rejects.toThrow(/answered HTTP 302; redirects are not followed/);
    expect(paths).toEqual(["/moved"]);
  });

  it("negative control: a client that follows redirects does request the Location (what the test would see)", async () => {
    const dispatcher = guardedAgent(policy(), 1_000);
    agents.push(dispatcher);
    const res = await fetch(`http://127.0.0.1:${port}/moved`, { method: "POST", body: "{}", dispatcher });
    await res.arrayBuffer();
    expect(paths).toEqual(["/moved", "/landing"]);
  });

  it("a host the policy refuses fails the job for good (no retries), before connecting", async () => {
    const before = connections;
    const e = await deliver(`http://evil.test:${port}/hook`).then(
      () => expect.unreachable("the delivery should fail"),
      (err: unknown) => err as Error,
    );
    expect(e).toBeInstanceOf(UnrecoverableError);
    expect(e.message).toMatch(/refused before connecting: evil\.test resolves to 169\.254\.169\.254, which is a link-local address/);
    await expect(deliver("http://169.254.169.254/hook")).rejects.toBeInstanceOf(UnrecoverableError);
    expect(connections).toBe(before);
  });

  it("still delivers to an allowed host", async () => {
    await deliver(`http://functions.test:${port}/hook`, policy({ allow: ["functions.test"] }));
    expect(paths).toEqual(["/hook"]);
  });
});
