import { describe, expect, it } from "vitest";
import { DEFAULT_URL, resolveConnection, type ConfigFile } from "../../cli/config";
import { CliError, EXIT, exitCodeOfStatus } from "../../cli/errors";
import { sampleOf } from "../../cli/commands/top";
import { table } from "../../cli/output";
import type { MetricsReport } from "../../server/metrics/contract";

/** The pure parts of the CLI; the commands themselves are tested against the real server in e2e/cli.spec.ts. */
const profile = (url: string, token: string) => ({ url, token, savedAt: "2026-01-01T00:00:00.000Z" });
const config: ConfigFile = { default: "main", profiles: { main: profile("http://prod:3000", "prod-token"), other: profile("http://staging:3000", "staging-token") } };

describe("resolveConnection: flag > environment > profile > default, per field", () => {
  it("takes the default profile when nothing else is given", () => {
    expect(resolveConnection({}, config, {})).toMatchObject({ url: "http://prod:3000", credentials: { kind: "token", token: "prod-token" }, profile: "main" });
  });
  it("the environment beats the profile, a flag beats the environment", () => {
    const env = { url: "http://prod:3000/", token: "env-token" };
    expect(resolveConnection({}, config, env)).toMatchObject({ url: "http://prod:3000", credentials: { token: "env-token" } });
    expect(resolveConnection({ token: "flag-token", url: "http://prod:3000" }, config, env)).toMatchObject({ credentials: { token: "flag-token" } });
  });
  it("--profile picks another profile; an unknown one is a usage error", () => {
    expect(resolveConnection({ profile: "other" }, config, {})).toMatchObject({ url: "http://staging:3000", credentials: { token: "staging-token" } });
    expect(() => resolveConnection({ profile: "nope" }, config, {})).toThrow(expect.objectContaining({ exitCode: EXIT.usage }));
  });
  it("never sends a profile's token to another server", () => {
    const c = resolveConnection({ url: "http://elsewhere:3000" }, config, {});
    expect(c.credentials).toBeNull();
    expect(c.withheld).toContain("http://prod:3000");
  });
  it("falls back to the default URL and no credentials", () => {
    expect(resolveConnection({}, { default: null, profiles: {} }, {})).toEqual({ url: DEFAULT_URL, credentials: null, profile: null });
  });
  it("send's lean ingress: the environment's, else the profile's — and the profile's only with the profile's server", () => {
    const withIngress: ConfigFile = { default: "main", profiles: { main: { ...profile("http://prod:3000", "t"), ingressUrl: "http://prod:8080/" } } };
    expect(resolveConnection({}, withIngress, {}).ingressUrl).toBe("http://prod:8080");
    expect(resolveConnection({}, withIngress, { ingressUrl: "http://lean:8080" }).ingressUrl).toBe("http://lean:8080");
    expect(resolveConnection({ url: "http://elsewhere:3000" }, withIngress, {}).ingressUrl).toBeUndefined();
    expect(resolveConnection({}, config, {}).ingressUrl).toBeUndefined();
  });
  it("refuses a URL that is not http(s)", () => {
    expect(() => resolveConnection({ url: "ftp://x" }, config, {})).toThrow(CliError);
  });
});

describe("exit codes by status", () => {
  it.each([
    [400, EXIT.failed],
    [401, EXIT.auth],
    [403, EXIT.auth],
    [404, EXIT.notFound],
    [409, EXIT.conflict],
    [422, EXIT.failed],
    [429, EXIT.failed],
    [500, EXIT.unavailable],
    [503, EXIT.unavailable],
  ])("%i → %i", (status, code) => expect(exitCodeOfStatus(status)).toBe(code));
});

const lat = { count: 0, meanMs: null, p50Ms: null, p99Ms: null, lastMinute: { count: 0, p50Ms: 5, p99Ms: 9 } };
const report = (at: string, n: number, windowRate = 0.5): MetricsReport => ({
  at,
  windowSeconds: 60,
  workersReporting: 1,
  checkpoint: null,
  functionTypes: [
    {
      functionType: "example/person",
      in: n,
      outLocal: 0,
      outRemote: n,
      outEgress: 0,
      remoteInvocationFailures: 0,
      parked: 0,
      inflightAsyncOps: 0,
      numBacklog: 3,
      numBlockedAddress: 0,
      rates: { in: windowRate, outLocal: 0, outRemote: windowRate, outEgress: 0, remoteInvocationFailures: 0 },
      remoteInvocationLatency: lat,
      messageLatency: lat,
    },
  ],
});

describe("top's rates", () => {
  it("the first sample uses the server's window rates", () => {
    const s = sampleOf(report("2026-01-01T00:00:00.000Z", 100), null);
    expect(s.overSeconds).toBe(60);
    expect(s.functionTypes[0]).toMatchObject({ perSecond: { in: 0.5 }, numBacklog: 3, p50Ms: 5, p99Ms: 9 });
  });
  it("later samples divide the counters' change by the time between them", () => {
    const s = sampleOf(report("2026-01-01T00:00:02.000Z", 140), report("2026-01-01T00:00:00.000Z", 100));
    expect(s.overSeconds).toBe(2);
    expect(s.functionTypes[0].perSecond).toMatchObject({ in: 20, outRemote: 20 });
  });
  it("a counter that went back (a worker restarted) falls back to the window rate", () => {
    const s = sampleOf(report("2026-01-01T00:00:02.000Z", 10), report("2026-01-01T00:00:00.000Z", 100));
    expect(s.functionTypes[0].perSecond.in).toBe(0.5);
  });
});

describe("table", () => {
  it("pads columns, right-aligns numbers and keeps a cell on one line", () => {
    expect(table(["NAME", "N"], [["a\nb", 5], ["long-name", 12]]).split("\n")).toEqual(["NAME        N", "a\\nb        5", "long-name  12"]);
  });
});
