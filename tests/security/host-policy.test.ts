import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { createHostPolicy, hostPolicyOf } from "@/server/net/host-policy";
import { fakeDns } from "../support/fake-dns";

// Decisions only: nothing here opens a socket, and every name is resolved by the table below.
const { resolve } = fakeDns({
  "evil.test": ["169.254.169.254"],
  "mixed.test": ["127.0.0.1", "169.254.169.254"],
  "mapped.test": ["::ffff:169.254.169.254"],
  "v6meta.test": ["fd00:ec2::254"],
  "good.test": ["127.0.0.1", "::1"],
});

function lookup(policy: ReturnType<typeof createHostPolicy>, host: string, options: { all?: boolean; family?: number } = {}) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[] }>((done) =>
    policy.lookup(host, { all: options.all ?? false, family: options.family ?? 0 }, (err, address) => done({ err, address })),
  );
}

const BLOCKED_URLS = [
  "http://169.254.169.254/latest/meta-data/",
  "http://169.254.0.1:8000/{function.name}",
  "http://[fe80::1]/",
  "http://[fd00:ec2::254]/",
  "http://[::ffff:169.254.169.254]/",
  "http://[::ffff:a9fe:a9fe]/",
  // the URL parser turns each of these into 169.254.169.254
  "http://2852039166/",
  "http://0xa9.0xfe.0xa9.0xfe/",
  "http://0251.0376.0251.0376/",
  "http://169.254.43518/",
  "http://169.254.169.254./",
];

describe("the host policy by default", () => {
  const policy = createHostPolicy({ resolve });

  it("refuses link-local and cloud metadata literals in every spelling the URL parser accepts", () => {
    for (const url of BLOCKED_URLS) expect(policy.urlProblem(url), url).toMatch(/is a link-local address .*STATEHOUSE_ALLOW_LINK_LOCAL=true/);
  });

  it("allows loopback, private ranges and names (functions run on localhost and in compose networks)", () => {
    for (const url of ["http://127.0.0.1:8000/statefun", "http://[::1]:8000/", "http://localhost/", "http://10.0.0.5/", "http://192.168.1.2/", "http://functions:8000/statefun", "http://169.253.255.255/", "http://[fec0::1]/"])
      expect(policy.urlProblem(url), url).toBeNull();
  });

  it("checks every address a name resolves to, before answering the lookup", async () => {
    for (const host of ["evil.test", "mixed.test", "mapped.test", "v6meta.test"]) {
      for (const all of [false, true]) {
        const r = await lookup(policy, host, { all });
        expect(r.err?.code, `${host} all=${all}`).toBe("ERR_HOST_NOT_ALLOWED");
        expect(r.err?.message).toMatch(new RegExp(`^${host.replace(".", "\\.")} resolves to \\S+, which is a link-local address`));
      }
    }
    expect((await lookup(policy, "good.test", { all: true })).address).toEqual([
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ]);
    expect((await lookup(policy, "good.test", { family: 6 })).address).toBe("::1");
    expect((await lookup(policy, "nowhere.test")).err?.code).toBe("ENOTFOUND");
  });

  it("lets STATEHOUSE_ALLOW_LINK_LOCAL=true through (negative control: the same inputs pass)", async () => {
    const open = createHostPolicy({ resolve, allowLinkLocal: true });
    for (const url of BLOCKED_URLS) expect(open.urlProblem(url), url).toBeNull();
    expect((await lookup(open, "evil.test")).address).toBe("169.254.169.254");
  });
});

describe("STATEHOUSE_FUNCTION_HOSTS", () => {
  it("with names only: exact names and .suffixes (not the bare suffix) are allowed, everything else refused at registration", () => {
    const policy = createHostPolicy({ allow: ["functions", ".svc.cluster.local"], resolve });
    for (const url of ["http://functions:8000/statefun", "http://FUNCTIONS./", "http://greeter.prod.svc.cluster.local/"]) expect(policy.urlProblem(url), url).toBeNull();
    for (const url of ["http://other:8000/", "http://svc.cluster.local/", "http://evilsvc.cluster.local/", "http://127.0.0.1/", "http://localhost/"])
      expect(policy.urlProblem(url), url).toMatch(/is not allowed by STATEHOUSE_FUNCTION_HOSTS$/);
  });

  it("with CIDRs: literals must fall inside; names are judged by the addresses they resolve to", async () => {
    const policy = createHostPolicy({ allow: ["127.0.0.0/8", "fd12::/16"], resolve });
    expect(policy.urlProblem("http://127.0.0.9/")).toBeNull();
    expect(policy.urlProblem("http://[fd12::1]/")).toBeNull();
    expect(policy.urlProblem("http://10.0.0.1/")).toMatch(/^10\.0\.0\.1 is not allowed by STATEHOUSE_FUNCTION_HOSTS$/);
    // a name cannot be judged from its text when the list has CIDRs: the connect-time lookup decides
    expect(policy.urlProblem("http://anything:8000/")).toBeNull();
    // every address the name has counts, also when the socket asked for one family only
    for (const options of [{ all: true }, { family: 4 }])
      expect((await lookup(policy, "good.test", options)).err?.message).toBe("good.test resolves to ::1, which is not allowed by STATEHOUSE_FUNCTION_HOSTS");
    const both = createHostPolicy({ allow: ["127.0.0.0/8", "::1"], resolve });
    expect((await lookup(both, "good.test", { family: 4 })).address).toBe("127.0.0.1");
    expect(policy.refusal("other.test", ["10.1.2.3"])?.message).toMatch(/not allowed by STATEHOUSE_FUNCTION_HOSTS/);
  });

  it("never lets a listed name or CIDR reach a link-local address; only STATEHOUSE_ALLOW_LINK_LOCAL does", async () => {
    const policy = createHostPolicy({ allow: ["evil.test", "0.0.0.0/0", "169.254.0.0/16"], resolve });
    expect((await lookup(policy, "evil.test")).err?.message).toMatch(/link-local/);
    expect(policy.urlProblem("http://169.254.169.254/")).toMatch(/link-local/);
    const open = createHostPolicy({ allow: ["evil.test"], allowLinkLocal: true, resolve });
    expect((await lookup(open, "evil.test")).address).toBe("169.254.169.254");
  });
});

describe("configuration", () => {
  const good = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x", REDIS_URL: "redis://127.0.0.1:6379" };

  it("is off by default: any host but link-local ones", () => {
    const env = parseEnv(good);
    expect(env.STATEHOUSE_FUNCTION_HOSTS).toBeUndefined();
    expect(env.STATEHOUSE_ALLOW_LINK_LOCAL).toBe(false);
    expect(hostPolicyOf(env)).toBe(hostPolicyOf(env));
    expect(hostPolicyOf(env).urlProblem("http://169.254.169.254/")).toMatch(/link-local/);
  });

  it("parses a comma-separated list of names, suffixes, IPs and CIDRs, and the opt-in", () => {
    const env = parseEnv({ ...good, STATEHOUSE_FUNCTION_HOSTS: " functions , .example.com,10.0.0.0/8, fd00::/8 ,192.168.1.5", STATEHOUSE_ALLOW_LINK_LOCAL: "true" });
    expect(env.STATEHOUSE_FUNCTION_HOSTS).toEqual(["functions", ".example.com", "10.0.0.0/8", "fd00::/8", "192.168.1.5"]);
    expect(env.STATEHOUSE_ALLOW_LINK_LOCAL).toBe(true);
    expect(hostPolicyOf(env).urlProblem("http://192.168.1.5/")).toBeNull();
    expect(hostPolicyOf(env).urlProblem("http://192.168.1.6/")).toMatch(/not allowed/);
  });

  it("names the bad entry and what is wrong with it", () => {
    const bad = (v: string) => () => parseEnv({ ...good, STATEHOUSE_FUNCTION_HOSTS: v });
    expect(bad("10.0.0.0/33")).toThrow(/^configuration error: set STATEHOUSE_FUNCTION_HOSTS: "10\.0\.0\.0\/33" the prefix length must be 0–32$/);
    expect(bad("functions,*.example.com")).toThrow(/"\*\.example\.com" write the suffix as \.example\.com/);
    expect(bad("func tions")).toThrow(/"func tions" is not a host name/);
    expect(bad("300.1.1.1/8")).toThrow(/is not an IPv4 or IPv6 address/);
    expect(bad(" , ")).toThrow(/lists no host/);
    expect(() => parseEnv({ ...good, STATEHOUSE_ALLOW_LINK_LOCAL: "yes" })).toThrow(/set STATEHOUSE_ALLOW_LINK_LOCAL/);
  });
});
