import { CheckpointLag } from "../metrics/contract";
import { z } from "zod";


export const AuditEvent = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  actorKind: z.string(),
  action: z.string(),
  targetType: z.string(),
  target: z.string(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
});
/** Audit ids are Postgres bigints: a cursor beyond 2^63-1 was never returned and cannot be compared with one. */
const AuditCursor = z
  .string()
  .refine((s) => /^\d{1,19}$/.test(s) && BigInt(s) <= 9_223_372_036_854_775_807n, { message: "must be a cursor returned by a previous page" });

export const AuditQuery = z.object({
  cursor: AuditCursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  targetType: z.string().max(100).optional(),
  target: z.string().max(2000).optional(),
  /** Exactly as the events show it: `user:<name>`, `token:<name>`, `admin-token`, `system:…`, `anonymous:<client>`. */
  actor: z.string().max(300).optional(),
});
export const AuditPage = z.object({ events: z.array(AuditEvent), next: z.string().nullable() });

const Check = z.object({ ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() });
export const Worker = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  registryVersion: z.number().int(),
  roles: z.array(z.string()),
  /** Dispatch partition groups (0 … dispatchGroups-1) the worker held at its last heartbeat, ascending. */
  groupsHeld: z.array(z.number().int()),
});
export const Health = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  postgres: Check,
  redis: Check,
  /** `dispatchGroups`: how many partition groups the data plane has (DISPATCH_GROUPS); each is held by at most one worker at a time. */
  workers: z.object({ live: z.number().int(), list: z.array(Worker), dispatchGroups: z.number().int() }),
  registryVersion: z.number().int(),
  /** The checkpointer's progress; null before any checkpointer ran. */
  checkpoint: CheckpointLag.nullable(),
  /** CHECKPOINT_LAG_CAP_MS: past this lag claiming pauses and status is degraded (0: no cap). */
  checkpointLagCapMs: z.number().int(),
  /**
   * Addresses whose changes the checkpoint set aside (cp_quarantine: Postgres could not store them; the rest kept
   * flowing): how many, and the most recent with their error. null when Postgres is down.
   */
  quarantine: z
    .object({
      count: z.number().int(),
      recent: z.array(
        z.object({ address: z.string(), error: z.string(), rounds: z.number().int(), firstSeq: z.number().int(), lastSeq: z.number().int(), firstAt: z.string(), lastAt: z.string(), changes: z.unknown() }),
      ),
    })
    .nullable(),
});
