import { z } from "zod";
import { DURATION_HELP, parseFlinkDuration } from "./duration";
import { Name, Typename } from "./common";
import { namespaceProblem, typeProblem } from "./names";

export const Application = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  paused: z.boolean(),
  pausedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  endpointCount: z.number().int(),
  ingressCount: z.number().int(),
  egressCount: z.number().int(),
});
export type Application = z.infer<typeof Application>;

export const CreateApplication = z.object({
  name: Name,
  description: z.string().max(2000).optional(),
});
export const UpdateApplication = z.object({ description: z.string().max(2000) });
export const AppParams = z.object({ app: z.string().min(1) });
export const EndpointParams = AppParams.extend({ endpointId: z.string().min(1) });

/** `ns/name` binds one type, `ns/*` a whole namespace; a `*` anywhere else is rejected (protocol §4.2). */
export const FUNCTIONS_PATTERN_RE = /^[^/\s*]+\/([^/\s*]+|\*)$/;
const FUNCTIONS_PATTERN_HELP = "must be `namespace/name` or `namespace/*`; `*` may only stand alone as the name";

/**
 * What is wrong with a `functions` pattern, or null: its shape, then its namespace and type as names.ts names
 * them (a pattern binds exactly the function types the ingress and the data plane can address).
 */
export function functionsPatternProblem(s: string): string | null {
  if (!FUNCTIONS_PATTERN_RE.test(s)) return FUNCTIONS_PATTERN_HELP;
  const [namespace, name] = s.split("/");
  return namespaceProblem(namespace, "its namespace") ?? (name === "*" ? null : typeProblem(name, "its type"));
}
/** The regex for the shape (and the OpenAPI document's `pattern`), then the names' rules. */
export const FunctionsPattern = z
  .string()
  .regex(FUNCTIONS_PATTERN_RE, { message: FUNCTIONS_PATTERN_HELP })
  .superRefine((s, ctx) => {
    const p = FUNCTIONS_PATTERN_RE.test(s) ? functionsPatternProblem(s) : null;
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

/** Stored as a Postgres int4; StateFun reads it into a Java int. */
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;

export const Duration = z.union([z.string(), z.number()], { error: `must be a duration: ${DURATION_HELP}` }).superRefine((v, ctx) => {
  const r = parseFlinkDuration(v);
  if (!r.ok) ctx.addIssue({ code: "custom", message: r.message });
  else if (r.ms <= 0) ctx.addIssue({ code: "custom", message: "must be greater than 0" });
});

export const ASYNC_TRANSPORT = "io.statefun.transports.v1/async";
export const OKHTTP_TRANSPORT = "io.statefun.transports.v1/okhttp";
export const ENDPOINT_V2 = "io.statefun.endpoints.v2/http";
export const ENDPOINT_V1 = "io.statefun.endpoints.v1/http";

export const Transport = z
  .object({
    type: z.enum([ASYNC_TRANSPORT, OKHTTP_TRANSPORT]).optional(),
    call: Duration.optional(),
    connect: Duration.optional(),
    read: Duration.optional(),
    write: Duration.optional(),
    timeouts: z
      .object({ call: Duration.optional(), connect: Duration.optional(), read: Duration.optional(), write: Duration.optional() })
      .optional(),
  })
  .catchall(z.unknown());

/** The body of POST/PUT …/endpoints: the `spec` of an `io.statefun.endpoints.v2/http` component. */
export const EndpointInput = z.object({
  functions: FunctionsPattern,
  urlPathTemplate: z.string().min(1, { message: "must not be empty" }),
  maxNumBatchRequests: z.number().int().min(INT32_MIN).max(INT32_MAX).optional(),
  transport: Transport.optional(),
  /** Probe this function type before saving (defaults to the pattern when it names one type). */
  probeFunctionType: Typename.optional(),
  /** Skip the probe (e.g. registering a function that is not deployed yet). */
  skipProbe: z.boolean().optional(),
});
export type EndpointInput = z.infer<typeof EndpointInput>;

export const Endpoint = z.object({
  id: z.string(),
  application: z.string(),
  kind: z.string(),
  functions: z.string(),
  urlPathTemplate: z.string(),
  maxNumBatchRequests: z.number().int(),
  /** the timeouts as Flink durations, beside the transport properties kept as given (pool_size, payload_max_bytes…) */
  transport: z
    .object({
      type: z.string(),
      call: z.string(),
      connect: z.string(),
      read: z.string().optional(),
      write: z.string().optional(),
    })
    .catchall(z.unknown()),
  timeoutsMillis: z.object({
    call: z.number().int(),
    connect: z.number().int(),
    read: z.number().int().optional(),
    write: z.number().int().optional(),
  }),
  declaredState: z.record(z.string(), z.array(z.lazy(() => DeclaredState))),
  /**
   * The function types this endpoint serves that the data plane has seen (state, a mailbox or delayed messages in
   * the checkpoint), each with the state it registered through the protocol; for a wildcard, every such type of
   * the namespace that no exact endpoint takes.
   */
  seenTypes: z.array(z.lazy(() => SeenType)),
  probedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const Ingress = z.object({ id: z.string(), kind: z.string(), spec: z.record(z.string(), z.unknown()) });
export const Egress = z.object({ id: z.string(), kind: z.string(), spec: z.record(z.string(), z.unknown()) });

const QueryFlag = z
  .enum(["true", "false", "1", "0"])
  .optional()
  .transform((v) => v === "true" || v === "1");

/**
 * `?move=true`: bind the function types even when another application binds them now (an exact `ns/name` under
 * its `ns/*`, or a `ns/*` over its exact `ns/name` endpoints, which are then removed). Without it such a request
 * is refused with 409 `function-type-bound-elsewhere`, whose details list the BindingConflicts.
 */
const MoveFlag = QueryFlag.describe(
  "true: take function types another application binds now (they, with their savepoints and rollbacks, change owner); without it, 409 function-type-bound-elsewhere",
);
export const MoveQuery = z.object({ move: MoveFlag });

export const ModuleQuery = z.object({
  dryRun: QueryFlag,
  move: MoveFlag,
});

/** One binding a request would take from another application (the details of 409 function-type-bound-elsewhere). */
export const BindingConflict = z.object({
  /** the pattern asked for in this application */
  functions: z.string(),
  /** the application that binds the types now, and its endpoint */
  application: z.string(),
  endpointId: z.string(),
  pattern: z.string(),
  /** the function types that change owner */
  functionTypes: z.array(z.string()),
  /** of those, the ones the data plane has seen (they have state, messages or timers) */
  seen: z.array(z.string()),
  /** a move removes that endpoint (an exact endpoint under the new wildcard); otherwise it stays, minus these types */
  removesEndpoint: z.boolean(),
});
export type BindingConflict = z.infer<typeof BindingConflict>;
export const BindingConflictDetails = z.object({ conflicts: z.array(BindingConflict) });

const Change = <T extends z.ZodTypeAny>(t: T) =>
  z.object({ added: z.array(t), removed: z.array(t), changed: z.array(z.object({ before: t, after: t })), unchanged: z.number().int() });

export const ModuleDiff = z.object({
  applied: z.boolean(),
  endpoints: Change(z.record(z.string(), z.unknown())),
  ingresses: Change(z.record(z.string(), z.unknown())),
  egresses: Change(z.record(z.string(), z.unknown())),
  /** with ?move=true: the bindings taken from other applications (to be taken, on a dry run) */
  moves: z.array(BindingConflict).optional(),
});
export type ModuleDiff = z.infer<typeof ModuleDiff>;

export const ProbeInput = z.object({
  urlPathTemplate: z.string().min(1),
  functionType: Typename,
  transport: Transport.optional(),
});

export const DeclaredState = z.object({
  name: z.string(),
  typename: z.string(),
  expireMode: z.enum(["NONE", "AFTER_WRITE", "AFTER_INVOKE"]),
  expireAfterMillis: z.number().int(),
});
export type DeclaredState = z.infer<typeof DeclaredState>;

export const SeenType = z.object({
  functionType: z.string(),
  /** the state specs the function registered (missing-values round trip); empty when it declares none */
  declaredState: z.array(DeclaredState),
});
export type SeenType = z.infer<typeof SeenType>;

export const ProbeResult = z.object({
  reachable: z.boolean(),
  url: z.string(),
  latencyMs: z.number(),
  declaredState: z.array(DeclaredState),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const FunctionType = z.object({
  functionType: z.string(),
  /** null: seen by the data plane but no endpoint binds it now */
  pattern: z.string().nullable(),
  endpointId: z.string().nullable(),
  /** The binding endpoint's URL template; null when none binds the type. */
  endpointUrl: z.string().nullable(),
  application: z.string().nullable(),
  paused: z.boolean(),
  /** Addresses with at least one commit: a counter the data-plane scripts keep (no scan); patched-only addresses are not counted. */
  addresses: z.number().int(),
  /** Messages queued for the type's addresses (the scripts' counter). */
  backlog: z.number().int(),
  parked: z.number().int(),
  /** True when `parked` is estimated from a sample of each partition's parked set (many parked addresses in all). */
  parkedEstimated: z.boolean(),
});

export const ApplicationDetail = Application.extend({
  endpoints: z.array(Endpoint),
  ingresses: z.array(Ingress),
  egresses: z.array(Egress),
});
