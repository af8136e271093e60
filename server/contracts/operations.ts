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
export const AuditQuery = z.object({
  cursor: z.string().regex(/^\d{1,20}$/, { message: "must be a cursor returned by a previous page" }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  targetType: z.string().optional(),
  target: z.string().optional(),
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
});
export const Health = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  postgres: Check,
  redis: Check,
  workers: z.object({ live: z.number().int(), list: z.array(Worker) }),
  registryVersion: z.number().int(),
  /** The checkpointer's progress; null before any checkpointer ran. */
  checkpoint: CheckpointLag.nullable(),
});
