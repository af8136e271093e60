import { crc32 } from "node:zlib";
import { z } from "zod";
import type { Ctx } from "../context";
import type { AddressPage } from "../contracts/state";
import { planeOf } from "../dispatch/plane";
import { AppError } from "../errors";
import { decodeCursor, encodeCursor } from "./cursor";
import { iso } from "./views";
import { functionTypeOf } from "../dispatch/keys";
import { addressesInRange, prefixUpperBound, type AddressRange, type IndexRow } from "./address-index";
import { liveStatus } from "./live-status";
import { readCheckpointLag } from "../durability/lag";
import { poolOf } from "../durability/pool";

/**
 * a: the page after this id (exclusive), b: the page before this id (exclusive); f: fingerprint of function type +
 * prefix, so a cursor cannot be replayed against another listing.
 */
const PageCursor = z.union([z.object({ a: z.string().max(1000), f: z.number().int() }).strict(), z.object({ b: z.string().max(1000), f: z.number().int() }).strict()]);
type PageCursor = z.infer<typeof PageCursor>;

export interface ListQuery {
  prefix?: string;
  cursor?: string;
  id?: string;
  limit: number;
}

/**
 * The addresses of one function type, sorted by id, from the checkpoint tables (server/state/address-index.ts):
 * every page — first, prefix, exact jump, the thousandth by cursor — is one bounded range scan, and each row's live
 * status, version and mailbox length are then read from Redis for that page's rows only.
 *
 * The checkpoint follows Redis by about a second (CHECKPOINT_LAG_CAP_MS bounds it; the response says how far it is
 * behind). So an address whose very first change is younger than the last checkpoint round is not listed until the
 * next round — merging Redis-only addresses into a sorted page would take a scan of Redis, which this listing exists
 * to avoid. The exact jump (`id`) does look in Redis, so an address is found by its id the moment it exists.
 * Addresses with only queued messages (none committed yet: new, held, parked on their first message) are listed from
 * their checkpointed mailbox rows.
 */
export async function listAddresses(ctx: Ctx, ft: { namespace: string; type: string }, q: ListQuery): Promise<z.infer<typeof AddressPage>> {
  const plane = planeOf(ctx);
  const functionType = functionTypeOf(ft);
  const base = `${functionType}/`;
  const idPrefix = q.prefix ?? "";
  const fingerprint = crc32(`${functionType}\0${idPrefix}`);
  if (q.cursor !== undefined && q.id !== undefined)
    throw new AppError("validation-failed", "query: give either id (jump to an id) or cursor (continue a listing), not both", { field: "id" });
  const cursor: PageCursor | null = q.cursor ? decodeCursor(PageCursor, q.cursor) : null;
  if (cursor && cursor.f !== fingerprint)
    throw new AppError("validation-failed", "query.cursor: this cursor belongs to another function type or prefix; start again without a cursor", { field: "cursor" });

  // the prefix's range of full addresses: [base + prefix, upper bound of it)
  const lo = base + idPrefix;
  const hi = prefixUpperBound(lo);
  const range: AddressRange = { ge: [lo], lt: hi === null ? [] : [hi] };
  const backward = cursor !== null && "b" in cursor;
  if (cursor && "a" in cursor) range.gt = base + cursor.a;
  if (cursor && "b" in cursor) range.lt!.push(base + cursor.b);
  if (q.id !== undefined) range.ge!.push(base + q.id);

  const pool = poolOf(ctx);
  const [fetched, before, lag] = await Promise.all([
    addressesInRange(pool, functionType, range, q.limit + 1, backward),
    // after a jump, whether any id precedes the target (its page's `prev`)
    q.id !== undefined ? addressesInRange(pool, functionType, { ge: [lo], lt: [...(hi === null ? [] : [hi]), base + q.id] }, 1, true) : Promise.resolve([]),
    readCheckpointLag(ctx.redis, ctx.keys.prefix, plane.keys.seq),
  ]);
  let rows: IndexRow[] = fetched.slice(0, q.limit);
  if (backward) rows.reverse();
  let more = fetched.length > q.limit;

  // the exact jump also looks in Redis: an address the checkpoint has not seen yet is still found
  let found: boolean | undefined;
  if (q.id !== undefined) {
    const target = base + q.id;
    found = rows[0]?.address === target;
    if (!found && q.id.startsWith(idPrefix) && (await liveStatus(plane, functionType, [target]))[0].exists) {
      found = true;
      more ||= rows.length === q.limit;
      rows = [{ address: target, version: null, updatedAt: null }, ...rows].slice(0, q.limit);
    }
  }

  const live = await liveStatus(plane, functionType, rows.map((r) => r.address));
  const addresses = rows.map((r, i) => {
    const l = live[i];
    const updated = Math.max(r.updatedAt ?? 0, l.touchedAt);
    return {
      id: r.address.slice(base.length),
      address: r.address,
      version: l.exists ? l.version : (r.version ?? 0),
      updatedAt: updated > 0 ? iso(updated) : null,
      parked: l.status === "parked",
      status: l.status,
      mailboxLength: l.mailboxLength,
      checkpointedVersion: r.version,
    };
  });
  const first = addresses[0]?.id;
  const last = addresses[addresses.length - 1]?.id;
  const cursorOf = (c: { a: string } | { b: string }) => encodeCursor({ ...c, f: fingerprint });
  // a page after a cursor has that cursor's id before it; a backward page knows from its extra row
  const hasBefore = backward ? more : cursor !== null ? true : before.length > 0;
  const hasAfter = backward ? true : more;
  const next = last !== undefined && hasAfter ? cursorOf({ a: last }) : null;
  const prev = first !== undefined && hasBefore ? cursorOf({ b: first }) : null;
  return {
    addresses,
    next,
    prev,
    ...(found !== undefined ? { found } : {}),
    checkpoint: lag ? { lagMs: lag.lagMs, pending: lag.pending } : null,
  };
}
