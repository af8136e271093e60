import { z } from "zod";
import { AddressParams } from "./messages";
import { AddressId, FunctionTypeString, idProblem, PlainText, StateName, Typename } from "./names";
import { isBase64 } from "./common";

/** `{namespace}/{type}` of a function type, as in the ingress path. */
export const FunctionTypeParams = AddressParams.pick({ namespace: true, type: true });
export const StateAddressParams = AddressParams;

/** Opaque page cursors are base64url JSON; the bound only keeps a forged one from costing anything. */
const PageCursor = z.string().max(4096).regex(/^[A-Za-z0-9_-]+$/, { message: "must be a cursor returned by a previous page" });

/** An id prefix: empty (every id), or text an id could start with. */
const IdPrefix = z
  .string()
  .max(1000)
  .superRefine((s, ctx) => {
    const p = s === "" ? null : idProblem(s, "the prefix");
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

export const StateListQuery = z.object({
  /** Only ids starting with this (taken literally: `*`, `?`, `%` and `[` are not wildcards). */
  prefix: IdPrefix.optional(),
  cursor: PageCursor.optional(),
  /**
   * Jump to this exact id: the page starts at it, or at the first id after it when there is no such address
   * (`found` says which). Looked up in Redis too, so an address younger than the checkpoint is found. Not with `cursor`.
   */
  id: AddressId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/**
 * What dispatch is doing with an address right now, read from Redis for the page's rows: `parked` (a call failed; it
 * waits for an operator), `in-flight` (a worker holds it: a call is running), `held` (its application is paused),
 * `waiting` (ready, but its endpoint's share of call slots is taken), `scheduled` (ready, queued for a worker), `idle`.
 */
export const AddressStatus = z.enum(["idle", "scheduled", "in-flight", "waiting", "parked", "held"]);
export type AddressStatus = z.infer<typeof AddressStatus>;

export const AddressSummary = z.object({
  id: z.string(),
  address: z.string(),
  /** Live, from Redis. */
  version: z.number().int(),
  /** Last commit or patch (ms precision); null when nothing was committed yet (only messages queued). */
  updatedAt: z.string().nullable(),
  parked: z.boolean(),
  status: AddressStatus,
  /** Messages queued for the address (live). */
  mailboxLength: z.number().int(),
  /** The version the checkpoint holds (behind `version` for a change younger than the last round); null: not in the checkpoint yet. */
  checkpointedVersion: z.number().int().nullable(),
});
export const AddressPage = z.object({
  /** Sorted by id in code point order (the ids' UTF-8 bytes). */
  addresses: z.array(AddressSummary),
  /** Pass back as `cursor` for the next page; null at the end. */
  next: z.string().nullable(),
  /** Pass back as `cursor` for the page before this one; null on the first page. */
  prev: z.string().nullable(),
  /** With `id`: whether that address exists (it is then the first row). */
  found: z.boolean().optional(),
  /**
   * The listing is read from the checkpoint, which follows Redis by about a second: an address whose first change
   * is younger than the last checkpoint round is listed after the next one. null: no checkpointer has run yet.
   */
  checkpoint: z.object({ lagMs: z.number().int(), pending: z.number().int() }).nullable(),
});

export const ValueKind = z.enum(["absent", "primitive", "protobuf", "json", "text", "binary"]);

export const StateValueView = z.object({
  name: z.string(),
  typename: z.string(),
  /** False for a stored value whose name no registered spec declares (should not happen; shown for repair). */
  registered: z.boolean(),
  /** False when never written, deleted, or expired. */
  present: z.boolean(),
  kind: ValueKind,
  /** Decoded for primitive and JSON types (a long beyond 2^53 is a decimal string). */
  value: z.unknown().optional(),
  base64: z.string().optional(),
  sizeBytes: z.number().int().optional(),
  /** Why the bytes could not be decoded as the typename promises. */
  error: z.string().optional(),
  expireMode: z.enum(["AFTER_WRITE", "AFTER_INVOKE"]).optional(),
  expireAfterMillis: z.number().int().optional(),
  /** In the past for an expired value (then shown as absent). */
  expiresAt: z.string().optional(),
  expired: z.boolean().optional(),
  writtenAt: z.string().optional(),
});

export const MailboxEntryView = z.object({
  id: z.string(),
  typename: z.string(),
  /** `ns/type/id` of the sending function; null for ingress messages. */
  caller: z.string().nullable(),
  enqueuedAt: z.string(),
  kind: ValueKind,
  value: z.unknown().optional(),
  base64: z.string(),
  sizeBytes: z.number().int(),
});

export const ParkedInfo = z.object({ error: z.string(), since: z.string(), attempts: z.number().int() });

export const AddressState = z.object({
  address: z.string(),
  namespace: z.string(),
  type: z.string(),
  id: z.string(),
  version: z.number().int(),
  values: z.array(StateValueView),
  mailbox: z.object({ length: z.number().int(), head: z.array(MailboxEntryView) }),
  parked: ParkedInfo.optional(),
  /** A worker holds the address right now (a call is in flight). */
  leased: z.boolean(),
  leaseExpiresAt: z.string().optional(),
  /** Set aside because its application is paused. */
  held: z.boolean(),
  /** Redis time of the read: expiry is judged against it. */
  readAt: z.string(),
});
export type AddressState = z.infer<typeof AddressState>;

const Base64 = z
  .string()
  .max(44_739_244)
  .refine(isBase64, { message: "must be standard base64 (A–Z a–z 0–9 + /, length a multiple of 4, padded with =)" });

export const SetStateValue = z
  .object({
    /** If given, must equal the registered typename of the state. */
    typename: Typename.optional(),
    /** JSON: primitives per their StateFun wrapper (a long may be a decimal string), other types as UTF-8 JSON. */
    value: z.unknown().optional(),
    /** The raw value bytes. */
    base64: Base64.optional(),
  })
  .superRefine((v, ctx) => {
    const hasValue = v.value !== undefined;
    const hasBase64 = v.base64 !== undefined;
    if (hasValue === hasBase64) ctx.addIssue({ code: "custom", message: 'give exactly one of "value" (JSON) or "base64" (raw bytes)' });
  });

export const PatchState = z.object({
  /** The version you read; the patch is refused with 409 when the address moved on. */
  expectedVersion: z.number().int().min(0),
  set: z.record(StateName, SetStateValue).optional(),
  delete: z.array(StateName).max(10_000).optional(),
  /** Recorded in the audit log. */
  reason: z.string().max(1000).optional(),
});
export type PatchState = z.infer<typeof PatchState>;

export const PatchResult = z.object({
  address: z.string(),
  version: z.number().int(),
  /** Global commit sequence of the patch. */
  seq: z.number().int(),
  /** False when the audit row could not be written (the patch itself is applied). */
  audited: z.boolean(),
});

export const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  /** A changelog stream id from a previous page's `next`: only older commits. */
  before: z
    .string()
    .regex(/^\d{1,20}-\d{1,20}$/, { message: "must be a cursor returned by a previous page" })
    .optional(),
});

export const HistoryMutation = z.object({
  name: z.string(),
  op: z.enum(["set", "delete"]),
  typename: z.string().optional(),
  kind: ValueKind.optional(),
  value: z.unknown().optional(),
  base64: z.string().optional(),
});
export const HistoryCommit = z.object({
  /** Changelog stream id. */
  id: z.string(),
  kind: z.enum(["commit", "patch"]),
  version: z.number().int(),
  seq: z.number().int(),
  at: z.string(),
  /** Messages the commit consumed from the mailbox (0 for a patch). */
  consumed: z.number().int(),
  mutations: z.array(HistoryMutation),
  /** Addresses messages were sent to. */
  outgoing: z.array(z.string()),
  delayed: z.number().int(),
  egress: z.number().int(),
  summary: z.unknown(),
});
export const History = z.object({
  address: z.string(),
  commits: z.array(HistoryCommit),
  /** Pass as `before` for older commits; null when the (retained) changelog has none. */
  next: z.string().nullable(),
  /** Changelog entries examined (the partition's stream holds every address of the partition). */
  scanned: z.number().int(),
});

export const TimersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** A delayed message waiting in the sender's partition until it is due. */
export const PendingTimer = z.object({
  /** `<sender address>@<version>#d<i>`: the sender's commit that scheduled it. */
  id: z.string(),
  /** `ns/type/id` it will be delivered to. */
  target: z.string(),
  dueAt: z.string(),
  /** The cancellation token it was sent with, if any. */
  token: z.string().nullable(),
  typename: z.string(),
  kind: ValueKind,
  value: z.unknown().optional(),
  base64: z.string(),
  sizeBytes: z.number().int(),
});
export const PendingTimers = z.object({
  address: z.string(),
  /** Delayed messages this address sent that are not yet due, soonest first. */
  timers: z.array(PendingTimer),
  /** False when the partition holds more delayed messages than one read examines (then the list may miss some). */
  complete: z.boolean(),
  /** More matched than `limit`: the soonest `limit` are returned. */
  truncated: z.boolean(),
});

export const ParkedQuery = z.object({
  cursor: PageCursor.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Only addresses of this function type (`namespace/type`). */
  functionType: FunctionTypeString.optional(),
  /** Only addresses whose park error contains this text (case-insensitive). */
  error: PlainText("the error filter").min(1).max(500).optional(),
});
export const ParkedAddress = z.object({
  address: z.string(),
  functionType: z.string(),
  id: z.string(),
  partition: z.number().int(),
  error: z.string(),
  since: z.string(),
  attempts: z.number().int(),
  mailboxLength: z.number().int(),
});
export const ParkedPage = z.object({
  parked: z.array(ParkedAddress),
  /**
   * Pass as `cursor` for the next page; null at the end. A filtered page examines at most PARKED_SCAN_MAX parked
   * addresses, so it may hold fewer than `limit` rows (even none) and still have a `next`.
   */
  next: z.string().nullable(),
  /** Parked addresses this page examined (matching the filter or not). */
  scanned: z.number().int(),
});
/** The most parked addresses one page of GET /api/v1/parked examines when a filter skips most of them. */
export const PARKED_SCAN_MAX = 10_000;

export const UnparkResult = z.object({
  address: z.string(),
  mode: z.enum(["resume", "skip"]),
  /** Messages still queued (the head one is retried first). */
  mailboxLength: z.number().int(),
  /** skip: the dropped head message (null when the mailbox was empty). */
  dropped: MailboxEntryView.nullable().optional(),
  audited: z.boolean(),
});
