/**
 * Where a `node --cpu-prof` profile's process spent its CPU during one stretch of it (e.g. one benchmark segment),
 * per unit of work, by kind of code. Frames in bundled files with a source map beside them (a Next build's
 * .next/server/chunks/*.js) are mapped back to their sources first, so Next's own code and the app's are told apart.
 *
 *   tsx bench/support/profile-window.ts PROFILE                       busy % of every second (to find the stretch)
 *   tsx bench/support/profile-window.ts PROFILE --from 21 --to 50 --per 20000
 *                                                                     µs per unit in seconds 21–50, by kind and by source
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { parseArgs } from "node:util";
import { z } from "zod";

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
const Profile = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: z.custom<Frame>((v) => typeof v === "object" && v !== null) })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const maps = new Map<string, SourceMap | null>();
function sourceOf(file: string, line: number, column: number): string | null {
  if (!maps.has(file)) maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8"))) : null);
  const entry = maps.get(file)?.findEntry(line, column);
  return entry && "originalSource" in entry ? entry.originalSource : null;
}

/** The source a frame's code came from: `npm:<package>[/<dir>]`, `app:<repo file>`, `node:<module>`, or a V8 pseudo-frame. */
export function sourceBucket(f: Frame): string {
  if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native)";
  if (f.url.startsWith("node:")) return f.url.replace(/^node:internal\/([^/]+).*/, "node:$1");
  const file = f.url.replace(/^file:\/\//, "");
  const mapped = file.includes("/.next/") ? sourceOf(file, f.lineNumber, f.columnNumber) : null;
  const src = mapped ? decodeURIComponent(mapped) : file;
  const nm = src.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const [a, b] = src.slice(nm + "node_modules/".length).split("/");
    return `npm:${a.startsWith("@") || a === "next" ? `${a}/${b}` : a}`;
  }
  return `app:${src.replace(/^.*?\/?(server|worker|app|bench)\//, "$1/")}`;
}

/** The kind of code a source bucket is. */
export function kindOf(bucket: string): string {
  if (bucket.startsWith("npm:next/")) return "Next.js";
  if (bucket.startsWith("app:")) return "this repository's code";
  if (bucket.startsWith("npm:")) return bucket.slice(4);
  if (["node:deps", "node:webstreams", "node:abort_controller", "node:worker", "node:event_target"].includes(bucket)) return "web Request/Response, streams, AbortSignal";
  if (bucket === "node:async_hooks") return "AsyncLocalStorage (async_hooks)";
  if (/^node:(_http|net$|stream_base)/.test(bucket)) return "node http";
  return bucket.startsWith("node:") ? "other node internals" : bucket;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: "string" }, to: { type: "string" }, per: { type: "string", default: "1" } } });
  const p = Profile.parse(JSON.parse(readFileSync(positionals[0], "utf8")));
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  // sample i was taken timeDeltas[i] after the one before and stands for the time until the next
  let t = 0;
  const samples = p.samples.map((id, i) => ({ at: (t += p.timeDeltas[i]), us: p.timeDeltas[i + 1] ?? 0, frame: byId.get(id)! }));
  const idle = (f: Frame) => f.functionName === "(idle)";
  if (values.from === undefined || values.to === undefined) {
    const bins = new Map<number, { busy: number; all: number }>();
    for (const s of samples) {
      const b = bins.get(Math.floor(s.at / 1e6)) ?? { busy: 0, all: 0 };
      b.all += s.us;
      if (!idle(s.frame)) b.busy += s.us;
      bins.set(Math.floor(s.at / 1e6), b);
    }
    console.log([...bins].map(([sec, b]) => `${sec}s ${Math.round((100 * b.busy) / Math.max(1, b.all))}%`).join(" "));
  } else {
    const [from, to, per] = [Number(values.from) * 1e6, (Number(values.to) + 1) * 1e6, Number(values.per)];
    const bySource = new Map<string, number>();
    let busy = 0;
    let all = 0;
    for (const s of samples) {
      if (s.at < from || s.at >= to) continue;
      all += s.us;
      if (idle(s.frame)) continue;
      busy += s.us;
      const b = sourceBucket(s.frame);
      bySource.set(b, (bySource.get(b) ?? 0) + s.us);
    }
    const byKind = new Map<string, number>();
    for (const [b, us] of bySource) byKind.set(kindOf(b), (byKind.get(kindOf(b)) ?? 0) + us);
    const rank = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, Math.round(us / per)]));
    console.log(JSON.stringify({ busyPct: Math.round((1000 * busy) / Math.max(1, all)) / 10, usPerUnit: Math.round(busy / per), byKind: rank(byKind), bySource: rank(bySource) }, null, 1));
  }
}
