import { crc32 } from "node:zlib";
import { z } from "zod";
import type { Ctx } from "../context";
import type { AddressPage } from "../contracts/state";
import { planeOf } from "../dispatch/plane";
import { AppError } from "../errors";
import { decodeCursor, encodeCursor } from "./cursor";
import { iso } from "./views";
import { isU64 } from "./stream-ids";
import { functionTypeOf } from "../dispatch/keys";

/** Keys examined per SCAN call, and SCAN calls per request: a page never costs more than ~50k keys. */
const SCAN_COUNT = 1000;
const MAX_SCANS_PER_PAGE = 50;

const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, "\\$&");

/**
 * s: scan segment (one Redis = one segment; on Cluster, one per master), c: SCAN cursor the current batch
 * started at, a: last id returned from that batch (the batch is re-read from c and continued after a),
 * f: fingerprint of function type + prefix, so a cursor cannot be replayed against another listing.
 */
const ScanCursor = z.object({
  s: z.number().int().min(0).max(0),
  c: z.string().refine(isU64), // Redis refuses a SCAN cursor beyond 2^64-1 with an error
  a: z.string().max(1000).optional(),
  f: z.number().int(),
});

/**
 * The addresses of one function type, paged by a server-side cursor over the meta keys (`<pp>a:<address>`).
 * One SCAN covers every partition on one Redis: the partition is inside the key (`{pN}`), so MATCH with
 * `{p*}` selects all partitions in a single pass instead of one keyspace pass per partition. No count of the
 * whole set is ever made; a page may hold fewer than `limit` addresses (MATCH filters after the scan), and
 * `next` is null only once the key space is exhausted. SCAN's guarantee holds: an address present for the
 * whole listing is returned at least once.
 */
export async function listAddresses(ctx: Ctx, ft: { namespace: string; type: string }, q: { prefix?: string; cursor?: string; limit: number }): Promise<z.infer<typeof AddressPage>> {
  const plane = planeOf(ctx);
  const functionType = functionTypeOf(ft);
  const idPrefix = q.prefix ?? "";
  const fingerprint = crc32(`${functionType}\0${idPrefix}`);
  const start = q.cursor ? decodeCursor(ScanCursor, q.cursor) : { s: 0, c: "0", f: fingerprint };
  if (start.f !== fingerprint)
    throw new AppError("validation-failed", "query.cursor: this cursor belongs to another function type or prefix; start again without a cursor", { field: "cursor" });

  const keyPrefix = `${plane.keys.prefix}:{p`;
  const addrPrefix = `${functionType}/`;
  const match = `${globEscape(plane.keys.prefix)}:{p*}:a:${globEscape(addrPrefix + idPrefix)}*`;
  /** The id of a key this listing owns, or null (MATCH's `*` could span an odd id; check the shape exactly). */
  const idOf = (key: string): string | null => {
    if (!key.startsWith(keyPrefix)) return null;
    const close = key.indexOf("}:a:", keyPrefix.length);
    if (close < 0 || !/^\d+$/.test(key.slice(keyPrefix.length, close))) return null;
    const address = key.slice(close + 4);
    if (!address.startsWith(addrPrefix + idPrefix) || address.length === addrPrefix.length) return null;
    if (Number(key.slice(keyPrefix.length, close)) !== plane.keys.partitionOf(address)) return null;
    return address.slice(addrPrefix.length);
  };

  const ids: string[] = [];
  let cursor = start.c;
  let after = start.a;
  let next: { s: number; c: string; a?: string; f: number } | null = null;
  for (let scans = 0; ; scans++) {
    const [following, keys] = await plane.redis.scan(cursor, "MATCH", match, "COUNT", SCAN_COUNT);
    // Code-unit order (not locale order), the same order `a` is compared in.
    let batch = keys.map(idOf).filter((id): id is string => id !== null).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    if (after !== undefined) batch = batch.filter((id) => id > after!);
    after = undefined;
    const room = q.limit - ids.length;
    if (batch.length > room) {
      ids.push(...batch.slice(0, room));
      next = { s: 0, c: cursor, a: ids[ids.length - 1], f: fingerprint };
      break;
    }
    ids.push(...batch);
    cursor = following;
    if (cursor === "0") break;
    if (ids.length === q.limit || scans + 1 >= MAX_SCANS_PER_PAGE) {
      next = { s: 0, c: cursor, f: fingerprint };
      break;
    }
  }

  const specs = await plane.loadSpecs(functionType);
  const writeFields = ["_i", ...specs.map((s) => `w:${s.name}`)];
  const pipe = plane.redis.pipeline();
  for (const id of ids) {
    const address = addrPrefix + id;
    const p = plane.keys.partitionOf(address);
    pipe.hmget(plane.keys.meta(p, address), "ver", "pk");
    pipe.hmget(plane.keys.state(p, address), ...writeFields);
  }
  const res = ids.length ? ((await pipe.exec()) ?? []) : [];
  const addresses = ids.map((id, i) => {
    const [e1, meta] = res[2 * i] as [Error | null, Array<string | null>];
    const [e2, writes] = res[2 * i + 1] as [Error | null, Array<string | null>];
    if (e1 || e2) throw e1 ?? e2;
    const updated = Math.max(0, ...writes.map((w) => Number(w ?? 0)));
    return { id, address: addrPrefix + id, version: Number(meta[0] ?? 0), updatedAt: updated > 0 ? iso(updated) : null, parked: meta[1] === "1" };
  });
  return { addresses, next: next ? encodeCursor(next) : null };
}
