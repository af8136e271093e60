import { z } from "zod";
import { Name } from "./common";
import { FunctionTypeName, Namespace } from "./names";
import { ValueKind } from "./state";

/** The egress id is `{namespace}/{name}`, e.g. io.statefun.playground/egress: named as function types are. */
export const EgressParams = z.object({ namespace: Namespace, name: FunctionTypeName });

const StreamId = z.string().regex(/^\d{1,20}-\d{1,20}$/, { message: "must be a record id / cursor returned by a previous page (e.g. 1700000000000-0)" });

export const EgressQuery = z.object({
  /** Required when more than one application declares the egress id. */
  application: Name.optional(),
  topic: z.string().min(1).max(500).optional(),
  /** Only records after this id (exclusive). */
  after: StreamId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /**
   * `end`: the newest `limit` records (of the topic, if given) instead of the oldest, still oldest first in the
   * page, with `tail` at the stream's newest record: a live tail opens with it, then polls with `after=<tail>`.
   * Not combined with `after`.
   */
  from: z.enum(["start", "end"]).default("start"),
});

export const EgressRecordView = z.object({
  /** Stream id: pass as `after` to read on from here. */
  id: z.string(),
  topic: z.string().optional(),
  typename: z.string(),
  kind: ValueKind,
  /** Playground records: the payload; otherwise the decoded JSON, text or protobuf record when possible. */
  value: z.unknown().optional(),
  /** The record bytes as the function sent them. */
  base64: z.string(),
  /** Address of the function that emitted it. */
  source: z.string(),
  at: z.string(),
});

export const EgressPage = z.object({
  application: z.string(),
  egress: z.string(),
  /** The egress kind, e.g. io.statefun.playground.v1/egress; null when the application no longer declares it. */
  egressKind: z.string().nullable(),
  records: z.array(EgressRecordView),
  /** Pass as `after` for the next page; null when the end of the stream was reached. */
  next: z.string().nullable(),
  /** The last record id examined (or `after`): poll with it as `after` to see newer records. */
  tail: z.string().nullable(),
});
