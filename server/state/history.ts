import type { z } from "zod";
import type { Ctx } from "../context";
import type { History, HistoryCommit } from "../contracts/state";
import { planeOf } from "../dispatch/plane";
import type { AddressRef } from "../dispatch/keys";
import { addressOf, exists, notFound, readRaw } from "./read";
import { iso, valueView } from "./views";
import { isMinStreamId, parseStreamId } from "./stream-ids";

/** Stream entries read per XREVRANGE and per request: the partition's stream interleaves all its addresses. */
const BATCH = 500;
const MAX_SCANNED = 20_000;

type Commit = z.infer<typeof HistoryCommit>;

function parseSummary(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { text: s };
  } catch {
    return { text: s };
  }
}

function toCommit(id: string, fields: Buffer[], typenames: Map<string, string>): Commit {
  const mutations: Commit["mutations"] = [];
  let version = 0;
  let seq = 0;
  let at = 0;
  let consumed = 0;
  let summary: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i].toString("utf8");
    const v = fields[i + 1];
    if (f === "v") version = Number(v.toString());
    else if (f === "g") seq = Number(v.toString());
    else if (f === "at") at = Number(v.toString());
    else if (f === "n") consumed = Number(v.toString());
    else if (f === "s") summary = parseSummary(v.toString("utf8"));
    else if (f.startsWith("M:")) {
      const name = f.slice(2);
      const typename = typenames.get(name);
      mutations.push({ name, op: "set", ...(typename !== undefined ? { typename } : {}), ...valueView(typename ?? "", v) });
    } else if (f.startsWith("D:")) mutations.push({ name: f.slice(2), op: "delete" });
  }
  const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : 0);
  return {
    id,
    kind: summary.op === "patch" ? "patch" : "commit",
    version,
    seq,
    at: iso(at),
    consumed,
    mutations,
    outgoing: Array.isArray(summary.o) ? summary.o.filter((x): x is string => typeof x === "string") : [],
    delayed: num(summary.d),
    egress: num(summary.e),
    summary,
  };
}

/**
 * Recent commits and patches of one address, newest first, from its partition's changelog stream (the part not
 * yet trimmed). The stream holds every address of the partition, so the scan is bounded: `scanned` says how
 * many entries were examined, and `next` continues further back.
 */
export async function addressHistory(ctx: Ctx, ref: AddressRef, q: { limit: number; before?: string }): Promise<z.infer<typeof History>> {
  const plane = planeOf(ctx);
  const address = addressOf(ref);
  const before = q.before === undefined ? undefined : parseStreamId(q.before, "query.before");
  const raw = await readRaw(plane, ref);
  if (!exists(raw)) throw notFound(address);
  if (before && isMinStreamId(before)) return { address, commits: [], next: null, scanned: 0 };
  const typenames = new Map(raw.specs.map((s) => [s.name, s.typename]));
  const stream = plane.keys.changelog(plane.keys.partitionOf(address));
  const commits: Commit[] = [];
  let end = q.before ? `(${q.before}` : "+";
  let scanned = 0;
  let next: string | null = null;
  for (;;) {
    const count = Math.min(BATCH, MAX_SCANNED - scanned);
    const rows = await plane.redis.xrevrangeBuffer(stream, end, "-", "COUNT", count);
    let lastId: string | null = null;
    for (const [idBuf, fields] of rows) {
      scanned++;
      lastId = idBuf.toString();
      const a = fields.findIndex((f, i) => i % 2 === 0 && f.toString() === "a");
      if (a < 0 || fields[a + 1]?.toString("utf8") !== address) continue;
      commits.push(toCommit(lastId, fields, typenames));
      if (commits.length === q.limit) break;
    }
    if (commits.length === q.limit) {
      next = lastId;
      break;
    }
    if (rows.length < count) break; // the beginning of the retained stream
    end = `(${lastId}`;
    if (scanned >= MAX_SCANNED) {
      next = lastId;
      break;
    }
  }
  return { address, commits, next, scanned };
}
