/**
 * Where a `node --cpu-prof` profile spends its time: self time by package / repo file, and the top functions.
 *
 *   tsx bench/profile-summary.ts bench/profiles/worker-0.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** node_modules/<pkg>, a repo-relative file, node:internal, or (idle)/(gc)/(program). */
function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith("node:")) return url.replace(/^node:internal\/([^/]+).*/, "node:$1");
  const m = /\/(server|worker|bench|app|tests|examples)\/.+$/.exec(url);
  return m ? m[0].slice(1) : url;
}

export function summarize(p: Profile, top = 25) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const b = bucketOf(n.callFrame.url, n.callFrame.functionName);
    buckets.set(b, (buckets.get(b) ?? 0) + us);
    const f = `${n.callFrame.functionName || "(anonymous)"} ${bucketOf(n.callFrame.url, "")}:${n.callFrame.lineNumber + 1}`;
    fns.set(f, (fns.get(f) ?? 0) + us);
  }
  // Inclusive time of repo functions: each sample counts once for every distinct repo frame on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const b = bucketOf(f.url, f.functionName);
      if (!/^(server|worker|bench|app)\//.test(b) && !b.startsWith("npm:")) continue;
      const key = b.startsWith("npm:") ? b : `${f.functionName || "(anonymous)"} ${b}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => Math.round((1000 * us) / total) / 10;
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => ({ what: k, pct: pct(us), ms: Math.round(us / 1000) }));
  const idle = (buckets.get("(idle)") ?? 0) / total;
  return { wallMs: Math.round((p.endTime - p.startTime) / 1000), busyPct: Math.round((1 - idle) * 1000) / 10, byPackage: rank(buckets), topFunctions: rank(fns), inclusive: rank(inclusive) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
  for (const f of positionals) console.log(JSON.stringify({ file: f, ...summarize(JSON.parse(readFileSync(f, "utf8")) as Profile, Number(values.top)) }, null, 1));
}
