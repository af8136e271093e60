import type { z } from "zod";
import type { Ctx } from "../context";
import type { EgressPage, EgressRecordView } from "../contracts/egress";
import { planeOf } from "../dispatch/plane";
import { AppError } from "../errors";
import { describeValue } from "../protocol/typed-values";
import { iso } from "../state/views";
import { isMaxStreamId, parseStreamId } from "../state/stream-ids";

const PLAYGROUND_RECORD = "io.statefun.playground/EgressRecord";
/** Stream entries read per XRANGE and per request (a topic filter may skip many). */
const BATCH = 500;
const MAX_SCANNED = 10_000;

type RecordView = z.infer<typeof EgressRecordView>;

function field(fields: Buffer[], name: string): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i].toString() === name) return fields[i + 1];
  return undefined;
}

function toRecord(id: string, fields: Buffer[]): RecordView {
  const typename = field(fields, "t")?.toString("utf8") ?? "";
  const bytes = field(fields, "v") ?? Buffer.alloc(0);
  const topic = field(fields, "topic")?.toString("utf8") ?? "";
  const d = describeValue(typename, bytes, true);
  let value = d.value;
  // A playground record is JSON {topic, payload}: the payload is the record's value.
  if (typename === PLAYGROUND_RECORD && d.kind === "json" && d.value && typeof d.value === "object" && "payload" in d.value)
    value = (d.value as { payload: unknown }).payload;
  return {
    id,
    ...(topic ? { topic } : {}),
    typename,
    kind: d.kind,
    ...(value !== undefined ? { value } : {}),
    base64: d.base64,
    source: field(fields, "src")?.toString("utf8") ?? "",
    at: iso(Number(field(fields, "at")?.toString() ?? 0)),
  };
}

/** The application whose stream to read: named, or the only one declaring the egress id. */
async function resolveApplication(ctx: Ctx, egressId: string, application?: string): Promise<{ application: string; kind: string | null }> {
  const rows = await ctx.db.egress.findMany({ where: { egressId }, select: { kind: true, application: { select: { name: true } } } });
  const apps = rows.map((r) => r.application.name).sort();
  if (application !== undefined) {
    const hit = rows.find((r) => r.application.name === application);
    if (hit) return { application, kind: hit.kind };
    // Records written before the application dropped the egress stay readable.
    if (await ctx.redis.exists(planeOf(ctx).keys.egress(application, egressId))) return { application, kind: null };
    throw new AppError(
      "egress-not-found",
      `application "${application}" declares no egress ${egressId}${apps.length ? `; it is declared by: ${apps.join(", ")}` : ""}`,
      { egress: egressId, applications: apps },
    );
  }
  if (rows.length === 1) return { application: apps[0], kind: rows[0].kind };
  if (rows.length === 0) throw new AppError("egress-not-found", `no application declares an egress ${egressId}; declare it in a module (e.g. kind io.statefun.playground.v1/egress)`, { egress: egressId });
  throw new AppError("bad-request", `egress ${egressId} is declared by ${apps.join(", ")}; say which with ?application=<name>`, { egress: egressId, applications: apps });
}

/**
 * The newest `limit` records (of `topic`, when given), scanning back from the end at most MAX_SCANNED entries;
 * returned oldest first, with `tail` at the newest entry of the stream whatever its topic.
 */
async function readNewest(ctx: Ctx, stream: string, topic: string | undefined, limit: number) {
  const newestFirst: RecordView[] = [];
  let tail: string | null = null;
  let end = "+";
  let scanned = 0;
  while (newestFirst.length < limit && scanned < MAX_SCANNED) {
    const count = Math.min(BATCH, MAX_SCANNED - scanned);
    const rows = await ctx.redis.xrevrangeBuffer(stream, end, "-", "COUNT", count);
    for (const [idBuf, fields] of rows) {
      scanned++;
      const id = idBuf.toString();
      tail ??= id;
      end = `(${id}`;
      if (topic !== undefined && field(fields, "topic")?.toString("utf8") !== topic) continue;
      newestFirst.push(toRecord(id, fields));
      if (newestFirst.length === limit) break;
    }
    if (rows.length < count) break; // the start of the stream
  }
  return { records: newestFirst.reverse(), next: null, tail };
}

/**
 * Records of one application's egress stream, oldest first, after a cursor (exclusive), optionally only one
 * topic. The scan is bounded; `next` continues where it stopped, `tail` is where to poll for newer records.
 */
export async function readEgress(
  ctx: Ctx,
  p: { namespace: string; name: string },
  q: { application?: string; topic?: string; after?: string; limit: number; from?: "start" | "end" },
): Promise<z.infer<typeof EgressPage>> {
  const egressId = `${p.namespace}/${p.name}`;
  const after = q.after === undefined ? undefined : parseStreamId(q.after, "query.after");
  if (q.from === "end" && q.after !== undefined)
    throw new AppError("validation-failed", "query.from: from=end reads the newest records and takes no `after`; poll newer ones with after=<tail> alone", { field: "from" });
  const { application, kind } = await resolveApplication(ctx, egressId, q.application);
  const stream = planeOf(ctx).keys.egress(application, egressId);
  if (q.from === "end") return { application, egress: egressId, egressKind: kind, ...(await readNewest(ctx, stream, q.topic, q.limit)) };
  if (after && isMaxStreamId(after)) return { application, egress: egressId, egressKind: kind, records: [], next: null, tail: q.after! };
  const records: RecordView[] = [];
  let start = q.after ? `(${q.after}` : "-";
  let tail: string | null = q.after ?? null;
  let scanned = 0;
  let next: string | null = null;
  for (;;) {
    const count = Math.min(BATCH, MAX_SCANNED - scanned);
    const rows = await ctx.redis.xrangeBuffer(stream, start, "+", "COUNT", count);
    let full = false;
    for (const [idBuf, fields] of rows) {
      scanned++;
      tail = idBuf.toString();
      if (q.topic !== undefined && field(fields, "topic")?.toString("utf8") !== q.topic) continue;
      records.push(toRecord(tail, fields));
      if (records.length === q.limit) {
        full = true;
        break;
      }
    }
    if (full) {
      next = tail;
      break;
    }
    if (rows.length < count) break; // the end of the stream
    start = `(${tail}`;
    if (scanned >= MAX_SCANNED) {
      next = tail;
      break;
    }
  }
  return { application, egress: egressId, egressKind: kind, records, next, tail };
}
