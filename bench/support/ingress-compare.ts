import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { hasNextBuild } from "./processes";

/** The flags of bench/ingress.ts and what is computed from its rounds (pure, so a test can check them). */

export const INGRESS_PATHS = ["next", "lean"] as const;
export type IngressPath = (typeof INGRESS_PATHS)[number];

const count = (flag: string, min: number) =>
  z.string().transform((s, c) => {
    const v = Number(s);
    if (!/^\d+$/.test(s) || v < min) {
      c.addIssue({ code: "custom", message: `--${flag} takes a whole number ≥ ${min}, not "${s}"` });
      return z.NEVER;
    }
    return v;
  });

const Flags = z.object({
  messages: count("messages", 1),
  addresses: count("addresses", 1),
  concurrency: count("concurrency", 1),
  rounds: count("rounds", 1),
  warmup: count("warmup", 0),
  "next-dir": z.string().transform((d) => resolve(d)),
  "cpu-prof": z.string().min(1, "--cpu-prof takes a directory").transform((d) => resolve(d)).optional(),
});
export type IngressBenchConfig = { messages: number; addresses: number; concurrency: number; rounds: number; warmup: number; nextDir: string; cpuProf?: string };

/** Parses the command line; throws an Error whose message is meant for the user (a bad flag, no Next build). */
export function parseIngressFlags(argv: string[], cwd: string): IngressBenchConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        messages: { type: "string", default: "20000" },
        addresses: { type: "string", default: "1000" },
        concurrency: { type: "string", default: "64" },
        rounds: { type: "string", default: "2" },
        warmup: { type: "string", default: "5000" },
        "next-dir": { type: "string", default: cwd },
        "cpu-prof": { type: "string" },
      },
    }));
  } catch (e) {
    throw new Error(`${(e as Error).message}. Flags: --messages N --addresses N --concurrency N --rounds N --warmup N --next-dir DIR --cpu-prof DIR`, { cause: e });
  }
  const r = Flags.safeParse(values);
  if (!r.success) throw new Error(r.error.issues[0].message);
  const { "next-dir": nextDir, "cpu-prof": cpuProf, ...rest } = r.data;
  if (!hasNextBuild(nextDir)) throw new Error(`no Next.js production build in ${nextDir} (no .next/BUILD_ID): run \`npx next build\` there, or pass --next-dir DIR`);
  return { ...rest, nextDir, ...(cpuProf ? { cpuProf } : {}) };
}

/** The order of the measured segments: next, lean, then lean, next, … (ABBA), so a drift over the run weighs on both alike. */
export function segmentOrder(rounds: number): Array<{ round: number; path: IngressPath }> {
  return Array.from({ length: rounds }, (_, i) => (i % 2 === 0 ? INGRESS_PATHS : [...INGRESS_PATHS].reverse()).map((path) => ({ round: i + 1, path }))).flat();
}

/** What one segment (one path, one round) measured. */
export interface SegmentFigures {
  path: IngressPath;
  requestsPerSec: number;
  appliedMsgsPerSec: number;
  ingressCpuUsPerRequest: number;
  ingressRssMiB: number;
  requestMs: { p50: number | null; p99: number | null };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);

/**
 * Per path the median over its rounds of each figure (RSS: the largest seen), and `ratio`: lean ÷ next of the
 * accepted and applied rates, and of the ingress process's CPU per request.
 */
export function summarize(segments: SegmentFigures[]) {
  const of = (path: IngressPath) => {
    const mine = segments.filter((s) => s.path === path);
    if (mine.length === 0) return null;
    const med = (f: (s: SegmentFigures) => number | null) => {
      const xs = mine.map(f).filter((x): x is number => x !== null);
      return xs.length ? Math.round(median(xs) * 100) / 100 : null;
    };
    return {
      rounds: mine.length,
      requestsPerSec: Math.round(med((s) => s.requestsPerSec)!),
      appliedMsgsPerSec: Math.round(med((s) => s.appliedMsgsPerSec)!),
      ingressCpuUsPerRequest: Math.round(med((s) => s.ingressCpuUsPerRequest)!),
      ingressRssMiB: Math.round(Math.max(...mine.map((s) => s.ingressRssMiB))),
      requestMs: { p50: med((s) => s.requestMs.p50), p99: med((s) => s.requestMs.p99) },
    };
  };
  const next = of("next");
  const lean = of("lean");
  return {
    next,
    lean,
    ratio:
      next && lean
        ? {
            of: "lean ÷ next",
            accepted: ratio(lean.requestsPerSec, next.requestsPerSec),
            applied: ratio(lean.appliedMsgsPerSec, next.appliedMsgsPerSec),
            ingressCpuUsPerRequest: ratio(lean.ingressCpuUsPerRequest, next.ingressCpuUsPerRequest),
          }
        : null,
  };
}
