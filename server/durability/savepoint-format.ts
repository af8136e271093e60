import type pg from "pg";
import { z } from "zod";
import { decodeEntry, decodeInvocation, encodeEntry } from "../dispatch/entries";
import { addressKey, functionTypeOf, parseAddress, type Partitioning } from "../dispatch/keys";
import { decodeTimerRecord, timerRecord } from "../dispatch/timer-data";
import type { Address } from "../protocol/codec";
import { AddressString, StateName, typenameProblem } from "../contracts/names";
import { unstorableProblem } from "../contracts/stored-text";
import { isBase64 as isStandardBase64 } from "../contracts/common";

/**
 * The portable savepoint file (NDJSON): a header line, then one line per address with its values, mailbox and
 * the delayed messages it sent. Everything is in decoded form — addresses, typenames, base64 payloads, absolute
 * times in ms — never this deployment's internal bytes (key prefixes and partition numbers live inside mailbox
 * and timer records), so a file moves between deployments; the importer re-encodes for its own keys.
 */
export const SAVEPOINT_FORMAT = "statehouse.savepoint";
export const SAVEPOINT_FORMAT_VERSION = 1;

/** Canonical base64 only: what `Buffer.toString("base64")` writes, so a typo is not silently decoded to other bytes. */
export const isBase64 = (s: string) => isStandardBase64(s) && Buffer.from(s, "base64").toString("base64") === s;

/** A typename, or "" where there is none (a message without an argument; a value no state spec typed). */
const TypenameOrNone = z.string().superRefine((s, ctx) => {
  const p = s === "" ? null : typenameProblem(s);
  if (p) ctx.addIssue({ code: "custom", message: p });
});
/** Text with no rules of its own (a message id, a token, a label): no NUL or lone surrogate, which no store can hold. */
const Text = z.string().superRefine((s, ctx) => {
  const p = unstorableProblem(s);
  if (p) ctx.addIssue({ code: "custom", message: p });
});
const Base64 = z.string().refine(isBase64, { message: "is not valid base64" });
const Ms = z.number().int().min(0);
const Count = z.number().int().min(0);

export const SavepointFileHeader = z.object({
  format: z.literal(SAVEPOINT_FORMAT),
  version: z.literal(SAVEPOINT_FORMAT_VERSION),
  application: Text,
  functionTypes: z.array(Text),
  /** The global sequence of the cut (null for an imported savepoint) and when it was taken (ISO 8601). */
  cut: z.object({ seq: z.number().int().nullable(), takenAt: Text.nullable() }),
  savepoint: z.object({ id: Text, label: Text, origin: Text }),
  /** `addresses` counts the address lines; a file that holds another number of anything is refused (truncated). */
  counts: z.object({ addresses: Count, values: Count, messages: Count, timers: Count }),
});

export const SavepointFileMessage = z.object({
  id: Text.min(1),
  enqueuedAt: Ms,
  caller: AddressString.nullable(),
  typename: TypenameOrNone,
  base64: Base64,
  /** Written only when false (an argument without a value). */
  hasValue: z.boolean().optional(),
});

export const SavepointFileValue = z.object({
  name: StateName,
  /** From the function type's registered state spec ("" when the exporting deployment had none). */
  typename: TypenameOrNone,
  base64: Base64,
  writtenAt: Ms,
  /** Decoded, for people reading the file; ignored on import. */
  value: z.unknown().optional(),
});

export const SavepointFileTimer = z.object({
  /** `<sender address>@<version>#d<i>`: the sender is the line's address. */
  id: z.string().min(1),
  dueAt: Ms,
  token: Text.min(1).nullable(),
  target: AddressString,
  message: SavepointFileMessage,
});

export const SavepointFileAddress = z.object({
  address: AddressString,
  /** 0: never committed (only messages waiting, or only delayed messages sent). */
  version: Count,
  invokedAt: Ms.nullable(),
  values: z.array(SavepointFileValue),
  mailbox: z.array(SavepointFileMessage),
  timers: z.array(SavepointFileTimer),
});

export type FileHeader = z.infer<typeof SavepointFileHeader>;
export type FileAddress = z.infer<typeof SavepointFileAddress>;
export type FileMessage = z.infer<typeof SavepointFileMessage>;
export type FileTimer = z.infer<typeof SavepointFileTimer>;

/** For addresses the schema has already checked. */
const refOf = (address: string): Address => parseAddress(address)!;

/** A mailbox entry (`id \0 enqueuedAt \0 Invocation`) in the file's form. */
export function entryToFile(raw: Buffer): FileMessage {
  const e = decodeEntry(raw);
  const inv = decodeInvocation(e.invocation);
  const arg = inv.argument;
  return {
    id: e.id,
    enqueuedAt: e.enqueuedAt,
    caller: inv.caller ? addressKey(inv.caller) : null,
    typename: arg?.typename ?? "",
    base64: Buffer.from(arg?.value ?? new Uint8Array()).toString("base64"),
    ...(arg?.hasValue ? {} : { hasValue: false }),
  };
}

export function entryFromFile(m: FileMessage): Buffer {
  return encodeEntry(m.id, m.enqueuedAt, m.caller === null ? null : refOf(m.caller), { typename: m.typename, hasValue: m.hasValue ?? true, value: Buffer.from(m.base64, "base64") });
}

/** The sender of a delayed message: its id up to the last '@' (an address id may itself hold '@'). */
export const senderOfTimer = (timerId: string) => timerId.slice(0, Math.max(0, timerId.lastIndexOf("@")));

/** A timer record of this deployment (cp_timer / savepoint_timer data) in the file's form. */
export function timerToFile(id: string, dueAt: number, data: Buffer): FileTimer {
  const t = decodeTimerRecord(data);
  const token = t.tokenKey === "" ? null : t.tokenKey.slice(t.tokenKey.indexOf("\0") + 1);
  return { id, dueAt, token, target: t.address, message: entryToFile(t.entry) };
}

/** A file timer as a row of this deployment: the sender's partition and the record for these keys. */
export function timerFromFile(keys: Partitioning, t: FileTimer): { partition: number; senderType: string; data: Buffer } {
  const sender = senderOfTimer(t.id);
  const tokenKey = t.token === null ? "" : `${sender}\0${t.token}`;
  return {
    partition: keys.partitionOf(sender),
    senderType: functionTypeOf(refOf(sender)),
    data: timerRecord(keys, tokenKey, { address: t.target, functionType: functionTypeOf(refOf(t.target)), entry: entryFromFile(t.message) }),
  };
}

/**
 * `function type \0 state name` → the typename of the registered state spec (cp_spec holds `typename \0 mode \0 ms`
 * as first registered), for the given function types (null: every type).
 */
export async function specTypenames(q: pg.Pool | pg.PoolClient, functionTypes: string[] | null): Promise<Map<string, string>> {
  const r = await q.query<{ function_type: string; name: string; spec: Buffer }>(
    `SELECT function_type, name, spec FROM cp_spec WHERE $1::text[] IS NULL OR function_type = ANY($1::text[])`,
    [functionTypes],
  );
  return new Map(r.rows.map((s) => [specKey(s.function_type, s.name), s.spec.toString("utf8").split("\0")[0]]));
}

export const specKey = (functionType: string, name: string) => `${functionType}\0${name}`;
