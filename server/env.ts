import { z } from "zod";
import { hostRuleProblem } from "./net/host-policy";

/**
 * The only reader of `process.env`. Every process (web, worker, seed, scripts) parses its configuration
 * here once; a missing or bad value stops the process with one line that says what to set.
 */
const Url = (protocols: string[], example: string) =>
  z
    .string({ message: `is required (e.g. ${example})` })
    .min(1, { message: `is required (e.g. ${example})` })
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a ${protocols.join(" or ")} URL (e.g. ${example})` },
    );

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: Url(["postgres:", "postgresql:"], "postgresql://postgres@127.0.0.1:5432/statehouse"),
  REDIS_URL: Url(["redis:", "rediss:"], "redis://127.0.0.1:6379"),
  STATEHOUSE_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,40}$/, { message: "must be 1–40 letters, digits, : _ or -" })
    .default("sh"),
  STATEHOUSE_ADMIN_USER: z.string().min(1).optional(),
  STATEHOUSE_ADMIN_PASSWORD: z.string().min(8, { message: "must be at least 8 characters" }).optional(),
  STATEHOUSE_ADMIN_TOKEN: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
  STATEHOUSE_SESSION_HOURS: z.coerce.number().positive().default(12),
  STATEHOUSE_SECURE_COOKIES: z.enum(["true", "false", "auto"]).default("auto"),
  /**
   * A reverse proxy that overwrites X-Forwarded-For/-Host/-Proto is always in front of the web app: only then are
   * those headers believed (the Origin check, the Secure flag, the per-client login throttle). Otherwise any
   * client could write them.
   */
  STATEHOUSE_TRUST_PROXY: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  STATEHOUSE_DEMO_FUNCTIONS_URL: z.string().url().default("http://127.0.0.1:8000/statefun"),
  /**
   * Hosts function endpoints, the probe and webhook egresses may call, comma-separated: names (`functions`),
   * suffixes (`.svc.cluster.local`: any name under it), IPs and CIDRs (matched against every address a name has).
   * Unset: any host but link-local ones.
   */
  STATEHOUSE_FUNCTION_HOSTS: z
    .string()
    .optional()
    .transform((v) => v?.split(",").map((s) => s.trim()).filter((s) => s !== ""))
    .superRefine((list, ctx) => {
      if (list?.length === 0) ctx.addIssue({ code: "custom", message: "lists no host; leave it unset to allow any host" });
      for (const entry of list ?? []) {
        const problem = hostRuleProblem(entry);
        if (problem) ctx.addIssue({ code: "custom", message: `"${entry}" ${problem}` });
      }
    }),
  /** Lets those calls reach link-local addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254: cloud metadata). */
  STATEHOUSE_ALLOW_LINK_LOCAL: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).default(2000),
  /** Fixed for the life of a deployment's data: every key of an address lives in partition hash(address) mod P. */
  STATEHOUSE_PARTITIONS: z.coerce.number().int().min(1).max(16384).default(256),
  /** BullMQ carries partition groups, never messages (docs/DESIGN.md §3): one job per group. */
  DISPATCH_GROUPS: z.coerce.number().int().min(1).max(4096).default(16),
  DISPATCH_SLICE_MS: z.coerce.number().int().min(100).default(5000),
  DISPATCH_LEASE_MS: z.coerce.number().int().min(500).default(15000),
  DISPATCH_CLAIM_BATCH: z.coerce.number().int().min(1).max(1000).default(64),
  DISPATCH_MAX_INFLIGHT: z.coerce.number().int().min(1).max(100000).default(512),
  /**
   * Calls in flight one endpoint may hold of a worker's DISPATCH_MAX_INFLIGHT while more than one endpoint is
   * registered, so a hung or slow deployment leaves the others room (0: no limit). Default: half of it.
   */
  DISPATCH_MAX_INFLIGHT_PER_ENDPOINT: z.coerce.number().int().min(0).max(100000).optional(),
  /** Messages per address returned by one claim; each call sends at most the endpoint's maxNumBatchRequests. */
  DISPATCH_MAX_BATCH: z.coerce.number().int().min(1).max(10000).default(1000),
  /** BullMQ lock of a partition group's job; a dead worker's groups move on within lock + stalled interval. */
  DISPATCH_GROUP_LOCK_MS: z.coerce.number().int().min(500).default(10_000),
  /**
   * Fault injection for the safety tests' negative controls only: a directory of Lua files that replace the
   * data-plane scripts of the same name (e.g. a commit without its version check). Never set in production.
   */
  DISPATCH_LUA_OVERRIDES: z.string().optional(),
  /**
   * For tests/dispatch/hung-function.test.ts's negative control only: a group's slice waits at its end for its
   * calls in flight, as it did before issue #14 (a hung call then holds every partition of its group). Never set.
   */
  DISPATCH_SLICE_WAITS_FOR_CALLS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  INGRESS_MAX_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  INGRESS_IDEMPOTENCY_HOURS: z.coerce.number().positive().default(24),
  /**
   * The lean ingress listener (`npm run ingress`): the fast path for /api/v1/ingress. 8080, so the StateFun
   * playground's own ports (8090 ingress, 8091 egress), which the same process serves from the module, stay free.
   */
  INGRESS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /**
   * The host the playground ingress/egress ports of applied modules bind to (in the ingress process). Loopback by
   * default: like StateFun's playground they take no credentials unless PLAYGROUND_TOKEN is set.
   */
  PLAYGROUND_BIND: z.string().min(1).default("127.0.0.1"),
  /** When set, the playground ports require `Authorization: Bearer <this>`. */
  PLAYGROUND_TOKEN: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
  /** Workers run the checkpointer (one at a time, supervised by BullMQ); false only for a Redis-only experiment. */
  CHECKPOINT_ENABLED: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /** Claiming pauses while the oldest commit not yet in Postgres is older than this (0: never pause). */
  CHECKPOINT_LAG_CAP_MS: z.coerce.number().int().min(0).default(1000),
  /** Most changes (global sequence numbers) per checkpoint round; rounds adapt below it to ~50k rows each. */
  CHECKPOINT_BATCH: z.coerce.number().int().min(64).max(1_000_000).default(50_000),
  /** Drained changelog entries kept per partition for the state history API (the rest is trimmed). */
  CHANGELOG_RETAIN: z.coerce.number().int().min(0).default(1000),
  /** Complete savepoints kept per application (the newest and any a rollback restored are always kept). */
  SAVEPOINT_RETAIN: z.coerce.number().int().min(1).default(20),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `auto`: pretty lines when stdout is a terminal, JSON otherwise (compose, CI, log collectors). */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
});
export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v === "" ? undefined : v]));
  const r = EnvSchema.safeParse(cleaned);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new EnvError(`configuration error: set ${String(issue.path[0])}: ${issue.message}`);
}

let cached: Env | undefined;
/** Parsed once per process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For entrypoints: parse or exit with one clear line. */
export function envOrExit(): Env {
  try {
    return env();
  } catch (e) {
    if (e instanceof EnvError) {
      console.error(e.message);
      process.exit(78);
    }
    throw e;
  }
}


