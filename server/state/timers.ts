import type { z } from "zod";
import type { Ctx } from "../context";
import type { PendingTimer, PendingTimers } from "../contracts/state";
import { planeOf } from "../dispatch/plane";
import type { AddressRef } from "../dispatch/keys";
import { decodeTimerRecord } from "../dispatch/timer-data";
import { senderOfTimer } from "../durability/savepoint-format";
import { addressOf, exists, notFound, readRaw } from "./read";
import { iso, mailboxEntryView } from "./views";

/** ZSCAN rounds per request: with COUNT 1000 about this many thousand delayed messages of the partition examined. */
const MAX_ROUNDS = 20;
const SCAN_COUNT = 1000;

/** A literal for a Redis glob (ZSCAN MATCH): ids may hold `*`, `?`, `[`, `]` and `\`. */
export const globLiteral = (s: string) => s.replace(/[*?[\]\\]/g, "\\$&");

/**
 * Delayed messages an address sent that are not yet due. They wait in the sender's partition (timers zset, id
 * `<sender>@<version>#d<i>`), so this is one ZSCAN of that partition's zset matching the sender's prefix, then
 * an exact check of the sender (an id may itself hold `@`). Delayed messages *to* the address wait in their
 * senders' partitions, anywhere: finding them would scan every partition, so they are not listed here.
 */
export async function pendingTimers(ctx: Ctx, ref: AddressRef, q: { limit: number }): Promise<z.infer<typeof PendingTimers>> {
  const plane = planeOf(ctx);
  const address = addressOf(ref);
  const raw = await readRaw(plane, ref);
  if (!exists(raw)) throw notFound(address);
  const k = plane.keys;
  const p = k.partitionOf(address);
  const match = `${globLiteral(address)}@*`;

  const due = new Map<string, number>();
  let cursor = "0";
  let rounds = 0;
  do {
    const [next, flat] = await plane.redis.zscan(k.timers(p), cursor, "MATCH", match, "COUNT", SCAN_COUNT);
    for (let i = 0; i + 1 < flat.length; i += 2) if (senderOfTimer(flat[i]) === address) due.set(flat[i], Number(flat[i + 1]));
    cursor = next;
    rounds++;
  } while (cursor !== "0" && rounds < MAX_ROUNDS);

  const soonest = [...due].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const page = soonest.slice(0, q.limit);
  const data = page.length ? await plane.redis.hmgetBuffer(k.timerData(p), ...page.map(([id]) => id)) : [];
  const timers: Array<z.infer<typeof PendingTimer>> = [];
  page.forEach(([id, dueAt], i) => {
    const record = data[i];
    if (!record) return; // fired or cancelled between the two reads
    const t = decodeTimerRecord(record);
    const m = mailboxEntryView(t.entry);
    timers.push({
      id,
      target: t.address,
      dueAt: iso(dueAt),
      token: t.tokenKey === "" ? null : t.tokenKey.slice(t.tokenKey.indexOf("\0") + 1),
      typename: m.typename,
      kind: m.kind,
      ...(m.value !== undefined ? { value: m.value } : {}),
      base64: m.base64,
      sizeBytes: m.sizeBytes,
    });
  });
  return { address, timers, complete: cursor === "0", truncated: soonest.length > q.limit };
}
