import { z } from "zod";

export const SavepointParams = z.object({ id: z.uuid({ message: "must be a savepoint id (a UUID)" }) });

/** Strict: a misspelt field is an error, not silently ignored. */
export const CreateSavepoint = z.strictObject({ label: z.string().max(200).optional() });

export const SavepointStatus = z.enum(["pending", "running", "complete", "failed"]);
export const SavepointOrigin = z.enum(["manual", "pre-rollback", "import"]);

export const SavepointProgress = z.object({
  phase: z.string(),
  /** The global sequence the savepoint waits for the checkpoint to reach. */
  target: z.number().int().optional(),
  done: z.number().int().optional(),
  total: z.number().int().optional(),
});

export const Savepoint = z.object({
  id: z.string(),
  application: z.string(),
  label: z.string(),
  status: SavepointStatus,
  origin: SavepointOrigin,
  /** The cut: every change with a global sequence ≤ seq, nothing after. */
  seq: z.number().int().nullable(),
  functionTypes: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  addresses: z.number().int(),
  values: z.number().int(),
  bytes: z.number().int(),
  /** Messages in flight at the cut (mailboxes). */
  messages: z.number().int(),
  /** Pending delayed messages sent by the application's addresses. */
  timers: z.number().int(),
  error: z.string().nullable(),
  /** The last time a rollback made this savepoint the live state. */
  restoredAt: z.string().nullable(),
  /**
   * A delta's base: the application's full savepoint whose rows stand for the `addresses` unchanged since its
   * cut (this savepoint holds only the others); null: a full savepoint, every address held by itself.
   */
  base: z.object({ id: z.string(), addresses: z.number().int() }).nullable(),
  progress: SavepointProgress.nullable(),
});

export const SavepointList = z.object({ savepoints: z.array(Savepoint) });

export const Accepted = z.object({ id: z.string(), status: SavepointStatus });

export const RollbackResult = z.object({
  jobId: z.string(),
  /** Taken first, of the state the rollback replaces: roll back to it to undo the rollback. */
  preRollbackSavepointId: z.string(),
  /** Egress records already emitted are not recalled by a rollback. */
  note: z.string(),
});

export const DiffQuery = z.object({
  /** `live`, or the id of another savepoint of the same application. */
  against: z.union([z.literal("live"), z.uuid({ message: 'must be "live" or a savepoint id' })]),
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const DiffValue = z.object({
  name: z.string(),
  change: z.enum(["added", "removed", "changed"]),
  before: z.object({ base64: z.string(), value: z.unknown().optional() }).nullable(),
  after: z.object({ base64: z.string(), value: z.unknown().optional() }).nullable(),
});
export const DiffEntry = z.object({
  address: z.string(),
  change: z.enum(["added", "removed", "changed"]),
  values: z.array(DiffValue),
  /** Mailbox lengths, when they differ. */
  mailbox: z.object({ before: z.number().int(), after: z.number().int() }).nullable(),
});
export const Diff = z.object({
  savepoint: z.string(),
  against: z.string(),
  counts: z.object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int() }),
  entries: z.array(DiffEntry),
  next: z.string().nullable(),
});

export const ImportResult = Savepoint;

/** An import body may hold a large application's export. */
export const IMPORT_MAX_BYTES = 512 * 1024 * 1024;
/**
 * The longest line of an import: one address with its values, mailbox and timers. The largest message the
 * ingress takes is 32 MiB (43 MiB in base64); a longer line is refused by its number without being held.
 */
export const IMPORT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export const JobParams = z.object({ jobId: z.string().regex(/^(savepoint|rollback)-[0-9a-f-]{36,80}$/, { message: "must be a control job id (savepoint-… or rollback-…)" }) });
export const ControlJobView = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(["waiting", "active", "completed", "failed", "delayed", "prioritized", "waiting-children", "unknown"]),
  progress: z.unknown(),
  result: z.unknown(),
  failedReason: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
