import { z } from "zod";
import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";
import { PARKED_SCAN_MAX, type ParkedAddress, type ParkedPage, type UnparkResult } from "../contracts/state";
import { planeOf } from "../dispatch/plane";
import { functionTypeOf, parseAddress, type AddressRef } from "../dispatch/keys";
import { AppError } from "../errors";
import { auditAfterWrite } from "./audit";
import { decodeCursor, encodeCursor } from "./cursor";
import { addressOf, exists, notFound, readRaw, stateView } from "./read";
import { iso, mailboxEntryView } from "./views";

/** Partitions whose parked set size is asked per pipeline round trip. */
const ZCARD_CHUNK = 512;
/** Parked entries read per ZRANGEBYSCORE. */
const RANGE_CHUNK = 256;

/** p: partition, s: `since` score, a: address of the last item returned (ties on `since` order by address). */
const ParkedCursor = z.object({ p: z.number().int().min(0), s: z.number(), a: z.string().max(2100) });

type Item = { partition: number; address: string; since: number };
type Row = z.infer<typeof ParkedAddress>;

/**
 * Every partition's parked set from a position on, in partition order and oldest first within a partition.
 * Empty partitions are skipped with one pipelined ZCARD per chunk.
 */
async function* parkedEntries(plane: ReturnType<typeof planeOf>, from: z.infer<typeof ParkedCursor> | null): AsyncGenerator<Item> {
  const k = plane.keys;
  for (let c = from?.p ?? 0; c < k.partitions; c += ZCARD_CHUNK) {
    const parts = Array.from({ length: Math.min(ZCARD_CHUNK, k.partitions - c) }, (_, i) => c + i);
    const cards = await Promise.all(parts.map((p) => plane.redis.zcard(k.parked(p))));
    for (const [i, p] of parts.entries()) {
      if (cards[i] === 0) continue;
      const after = from && from.p === p ? from : null;
      for (let offset = 0; ; ) {
        const rows = await plane.redis.zrangebyscore(k.parked(p), after ? String(after.s) : "-inf", "+inf", "WITHSCORES", "LIMIT", offset, RANGE_CHUNK);
        for (let j = 0; j + 1 < rows.length; j += 2) {
          const address = rows[j];
          const since = Number(rows[j + 1]);
          if (after && since === after.s && address <= after.a) continue;
          yield { partition: p, address, since };
        }
        if (rows.length < 2 * RANGE_CHUNK) break;
        offset += rows.length / 2;
      }
    }
  }
}

/** Error, attempts and mailbox length of each item, in one pipeline. */
async function describeParked(plane: ReturnType<typeof planeOf>, items: Item[]): Promise<Row[]> {
  if (!items.length) return [];
  const k = plane.keys;
  const pipe = plane.redis.pipeline();
  for (const it of items) {
    pipe.hmget(k.meta(it.partition, it.address), "perr", "patt");
    pipe.llen(k.mailbox(it.partition, it.address));
  }
  const res = (await pipe.exec()) ?? [];
  return items.map((it, i) => {
    const [e1, meta] = res[2 * i] as [Error | null, Array<string | null>];
    const [e2, len] = res[2 * i + 1] as [Error | null, number];
    if (e1 || e2) throw e1 ?? e2;
    const a = parseAddress(it.address);
    return {
      address: it.address,
      functionType: a ? functionTypeOf(a) : "",
      id: a?.id ?? it.address,
      partition: it.partition,
      error: meta[0] ?? "",
      since: iso(it.since),
      attempts: Number(meta[1] ?? 0),
      mailboxLength: Number(len),
    };
  });
}

const cursorOf = (it: Item) => encodeCursor({ p: it.partition, s: it.since, a: it.address });

/**
 * Parked addresses of every partition, optionally of one function type and/or with an error containing some
 * text. The cursor is a position (partition, since, address), so addresses resumed between pages never shift
 * the ones after them. A page examines at most PARKED_SCAN_MAX entries: a filter that matches few of many parked
 * addresses answers a short page with a `next` to go on from, rather than scanning every partition at once.
 */
export async function listParked(
  ctx: Ctx,
  q: { cursor?: string; limit: number; functionType?: string; error?: string },
): Promise<z.infer<typeof ParkedPage>> {
  const plane = planeOf(ctx);
  const from = q.cursor ? decodeCursor(ParkedCursor, q.cursor) : null;
  if (from && from.p >= plane.keys.partitions) throw new AppError("validation-failed", "query.cursor: must be a cursor returned by a previous page of this listing", { field: "cursor" });
  const typePrefix = q.functionType ? `${q.functionType}/` : null;
  const needle = q.error?.toLowerCase() ?? null;
  const want = q.limit + 1; // one more than a page tells whether there is a next page
  const matched: Array<{ item: Item; row: Row }> = [];
  const pending: Item[] = [];
  let scanned = 0;
  let last: Item | null = null;
  let stoppedEarly = false;

  const flush = async () => {
    const rows = await describeParked(plane, pending);
    for (const [i, row] of rows.entries()) if (!needle || row.error.toLowerCase().includes(needle)) matched.push({ item: pending[i], row });
    pending.length = 0;
  };
  for await (const it of parkedEntries(plane, from)) {
    scanned++;
    last = it;
    if (!typePrefix || it.address.startsWith(typePrefix)) pending.push(it);
    // Unfiltered by error, every pending item is a row: read no more details than the page needs.
    const batch = needle ? 128 : want - matched.length;
    if (pending.length >= batch) await flush();
    if (matched.length >= want) {
      stoppedEarly = true;
      break;
    }
    if (scanned >= PARKED_SCAN_MAX) {
      await flush();
      stoppedEarly = true;
      break;
    }
  }
  await flush();
  if (matched.length > q.limit) {
    const page = matched.slice(0, q.limit);
    return { parked: page.map((m) => m.row), next: cursorOf(page[page.length - 1].item), scanned };
  }
  return { parked: matched.map((m) => m.row), next: stoppedEarly && last ? cursorOf(last) : null, scanned };
}

/**
 * resume: retry the head message; skip: drop the head message, then resume (DataPlane.unpark, unpark-7.lua).
 * 404 when the address has nothing at all, 409 not-parked when it exists but is not parked.
 */
export async function unparkAddress(ctx: Ctx, actor: Principal, ref: AddressRef, mode: "resume" | "skip"): Promise<z.infer<typeof UnparkResult>> {
  const plane = planeOf(ctx);
  const address = addressOf(ref);
  const before = await readRaw(plane, ref, 1);
  if (!exists(before)) throw notFound(address);
  const view = stateView(before);
  if (!view.parked)
    throw new AppError(
      "not-parked",
      `${address} is not parked (${view.leased ? "a worker is calling it right now" : before.mailboxLength > 0 ? "its messages are queued for dispatch" : "it has no pending messages"}); only a parked address can be resumed or skipped`,
      { address, version: view.version, mailboxLength: before.mailboxLength },
    );
  const r = await plane.unpark(address, mode, before.functionType);
  if (!r.ok) throw new AppError("not-parked", `${address} was resumed by someone else a moment ago; nothing was changed`, { address });
  const dropped = mode === "skip" ? (r.dropped ? mailboxEntryView(r.dropped) : null) : undefined;
  const mailboxLength = await plane.redis.llen(plane.keys.mailbox(plane.keys.partitionOf(address), address));
  const audited = await auditAfterWrite(ctx, actor, {
    action: `parked.${mode}`,
    targetType: "address",
    target: address,
    before: { parked: view.parked, mailboxLength: before.mailboxLength, version: view.version },
    after: {
      mailboxLength,
      ...(dropped !== undefined ? { dropped: dropped ? { id: dropped.id, typename: dropped.typename, caller: dropped.caller, enqueuedAt: dropped.enqueuedAt, base64: dropped.base64.slice(0, 4096) } : null } : {}),
    },
  });
  return { address, mode, mailboxLength, ...(dropped !== undefined ? { dropped } : {}), audited };
}
