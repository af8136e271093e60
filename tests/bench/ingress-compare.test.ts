import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseIngressFlags, segmentOrder, summarize, type SegmentFigures } from "../../bench/support/ingress-compare";

// bench/ingress.ts: its flags, the order of its segments and the ratio it reports (not its timing).
const built = mkdtempSync(join(tmpdir(), "ingress-bench-"));
mkdirSync(join(built, ".next"));
writeFileSync(join(built, ".next", "BUILD_ID"), "x");
const unbuilt = mkdtempSync(join(tmpdir(), "ingress-bench-"));
afterAll(() => {
  rmSync(built, { recursive: true, force: true });
  rmSync(unbuilt, { recursive: true, force: true });
});

describe("bench:ingress flags", () => {
  it("defaults to the issue's workload and the cwd's build", () => {
    expect(parseIngressFlags([], built)).toEqual({ messages: 20_000, addresses: 1_000, concurrency: 64, rounds: 2, warmup: 5_000, nextDir: built });
  });

  it("takes every flag", () => {
    const c = parseIngressFlags(["--messages", "500", "--addresses=10", "--concurrency", "8", "--rounds", "3", "--warmup", "0", "--next-dir", built, "--cpu-prof", "/tmp/p"], unbuilt);
    expect(c).toEqual({ messages: 500, addresses: 10, concurrency: 8, rounds: 3, warmup: 0, nextDir: built, cpuProf: "/tmp/p" });
  });

  it("refuses a directory without a production build, naming it and the build command", () => {
    expect(() => parseIngressFlags([], unbuilt)).toThrow(`no Next.js production build in ${unbuilt} (no .next/BUILD_ID): run \`npx next build\``);
  });

  it.each([
    [["--messages", "0"], '--messages takes a whole number ≥ 1, not "0"'],
    [["--concurrency", "1.5"], '--concurrency takes a whole number ≥ 1, not "1.5"'],
    [["--rounds", "two"], '--rounds takes a whole number ≥ 1, not "two"'],
    [["--warmup", "-1"], "--warmup"],
    [["--bogus"], "Unknown option '--bogus'"],
  ])("refuses %j with a message", (argv, message) => {
    expect(() => parseIngressFlags(argv, built)).toThrow(message);
  });
});

describe("bench:ingress rounds", () => {
  it("alternates next and lean, each round starting with the path the previous one ended with", () => {
    expect(segmentOrder(3).map((s) => `${s.round}${s.path}`)).toEqual(["1next", "1lean", "2lean", "2next", "3next", "3lean"]);
  });

  const seg = (path: "next" | "lean", rps: number, applied: number, cpu: number, rss: number, p50: number): SegmentFigures => ({
    path,
    requestsPerSec: rps,
    appliedMsgsPerSec: applied,
    ingressCpuUsPerRequest: cpu,
    ingressRssMiB: rss,
    requestMs: { p50, p99: p50 * 3 },
  });

  it("summarizes each path by the median of its rounds and reports lean ÷ next", () => {
    const s = summarize([seg("next", 800, 700, 1000, 290, 70), seg("lean", 3000, 2800, 150, 170, 20), seg("lean", 3400, 3000, 130, 175, 18), seg("next", 900, 900, 1200, 300, 60), seg("next", 10, 10, 9000, 280, 900)]);
    expect(s.next).toEqual({ rounds: 3, requestsPerSec: 800, appliedMsgsPerSec: 700, ingressCpuUsPerRequest: 1200, ingressRssMiB: 300, requestMs: { p50: 70, p99: 210 } });
    expect(s.lean).toEqual({ rounds: 2, requestsPerSec: 3200, appliedMsgsPerSec: 2900, ingressCpuUsPerRequest: 140, ingressRssMiB: 175, requestMs: { p50: 19, p99: 57 } });
    expect(s.ratio).toEqual({ of: "lean ÷ next", accepted: 4, applied: 4.14, ingressCpuUsPerRequest: 0.12 });
  });

  it("gives no ratio when a path has no round", () => {
    expect(summarize([seg("lean", 3000, 2800, 150, 170, 20)]).ratio).toBeNull();
  });
});
