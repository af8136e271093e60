import { z } from "zod";
import { Ok, Role } from "./common";
import * as A from "./auth";
import * as O from "./operations";
import * as R from "./registry";
import * as M from "./messages";
import { MetricsReport } from "../metrics/contract";
import * as S from "./state";
import * as E from "./egress";
import * as SP from "./savepoints";

/**
 * Every HTTP route: method, path, required role, request schemas and the success response. Route handlers
 * are built from these entries (server/http/route.ts), the OpenAPI document is generated from them, and
 * the authorization test walks them. `role: null` = no authentication.
 */
export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  role: Role | null;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /**
   * JSON body schema, or a raw media type the handler reads itself: whole (a string, or a Buffer with `binary`),
   * or with `stream` as the bytes arrive (maxBytes enforced while reading), for bodies too large to hold.
   */
  body?: z.ZodType | { raw: string; binary?: boolean; stream?: boolean };
  /** Largest accepted body; the default is 1 MiB. */
  maxBytes?: number;
  status?: number;
  response: z.ZodType | { raw: string };
}

const route = <S extends RouteSpec>(s: S) => s;

export const api = {
  // auth
  login: route({ method: "POST", path: "/api/v1/auth/login", role: null, tag: "auth", summary: "Log in to the console (sets the session cookie)", body: A.LoginInput, response: A.SessionInfo }),
  logout: route({ method: "POST", path: "/api/v1/auth/logout", role: "viewer", tag: "auth", summary: "End the console session", response: Ok }),
  session: route({ method: "GET", path: "/api/v1/auth/session", role: "viewer", tag: "auth", summary: "Who is calling, and the CSRF token for cookie mutations", response: A.SessionInfo }),
  listUsers: route({ method: "GET", path: "/api/v1/users", role: "admin", tag: "auth", summary: "List console users", response: z.object({ users: z.array(A.User) }) }),
  createUser: route({ method: "POST", path: "/api/v1/users", role: "admin", tag: "auth", summary: "Create a console user", body: A.CreateUser, status: 201, response: A.User }),
  updateUser: route({ method: "PATCH", path: "/api/v1/users/{userId}", role: "admin", tag: "auth", summary: "Change a user's role, password or disabled flag", params: A.UserParams, body: A.UpdateUser, response: A.User }),
  listTokens: route({ method: "GET", path: "/api/v1/tokens", role: "admin", tag: "auth", summary: "List API tokens (never their secrets)", response: z.object({ tokens: z.array(A.ApiToken) }) }),
  createToken: route({ method: "POST", path: "/api/v1/tokens", role: "admin", tag: "auth", summary: "Create an API token; the secret is shown once", body: A.CreateApiToken, status: 201, response: A.CreatedApiToken }),
  revokeToken: route({ method: "DELETE", path: "/api/v1/tokens/{tokenId}", role: "admin", tag: "auth", summary: "Revoke an API token", params: A.TokenParams, response: A.ApiToken }),

  // registry
  listApplications: route({ method: "GET", path: "/api/v1/applications", role: "viewer", tag: "registry", summary: "List applications", query: z.object({ cursor: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }), response: z.object({ applications: z.array(R.Application), next: z.string().nullable() }) }),
  createApplication: route({ method: "POST", path: "/api/v1/applications", role: "admin", tag: "registry", summary: "Create an application", body: R.CreateApplication, status: 201, response: R.Application }),
  getApplication: route({ method: "GET", path: "/api/v1/applications/{app}", role: "viewer", tag: "registry", summary: "One application with its endpoints, ingresses and egresses", params: R.AppParams, response: R.ApplicationDetail }),
  updateApplication: route({ method: "PATCH", path: "/api/v1/applications/{app}", role: "admin", tag: "registry", summary: "Change an application's description", params: R.AppParams, body: R.UpdateApplication, response: R.Application }),
  deleteApplication: route({ method: "DELETE", path: "/api/v1/applications/{app}", role: "admin", tag: "registry", summary: "Delete an application and its endpoints, ingresses and egresses", params: R.AppParams, response: Ok }),
  pauseApplication: route({ method: "POST", path: "/api/v1/applications/{app}/pause", role: "operator", tag: "registry", summary: "Stop dispatch for the application's function types (ingress is still accepted)", params: R.AppParams, response: R.Application }),
  resumeApplication: route({ method: "POST", path: "/api/v1/applications/{app}/resume", role: "operator", tag: "registry", summary: "Restart dispatch for the application's function types", params: R.AppParams, response: R.Application }),
  listEndpoints: route({ method: "GET", path: "/api/v1/applications/{app}/endpoints", role: "viewer", tag: "registry", summary: "List the application's function endpoints", params: R.AppParams, response: z.object({ endpoints: z.array(R.Endpoint) }) }),
  createEndpoint: route({ method: "POST", path: "/api/v1/applications/{app}/endpoints", role: "admin", tag: "registry", summary: "Register a function endpoint (io.statefun.endpoints.v2/http spec); probes it first when a function type is given. 409 function-type-bound-elsewhere when it would take function types another application binds; ?move=true takes them", params: R.AppParams, query: R.MoveQuery, body: R.EndpointInput, status: 201, response: R.Endpoint }),
  getEndpoint: route({ method: "GET", path: "/api/v1/applications/{app}/endpoints/{endpointId}", role: "viewer", tag: "registry", summary: "One function endpoint", params: R.EndpointParams, response: R.Endpoint }),
  replaceEndpoint: route({ method: "PUT", path: "/api/v1/applications/{app}/endpoints/{endpointId}", role: "admin", tag: "registry", summary: "Replace a function endpoint's spec; a changed pattern that would take function types another application binds is 409 function-type-bound-elsewhere unless ?move=true", params: R.EndpointParams, query: R.MoveQuery, body: R.EndpointInput, response: R.Endpoint }),
  deleteEndpoint: route({ method: "DELETE", path: "/api/v1/applications/{app}/endpoints/{endpointId}", role: "admin", tag: "registry", summary: "Remove a function endpoint", params: R.EndpointParams, response: Ok }),
  probeEndpoint: route({ method: "POST", path: "/api/v1/applications/{app}/endpoints/{endpointId}/probe", role: "operator", tag: "registry", summary: "Probe one function type the endpoint binds and record the state it declares", params: R.EndpointParams, body: z.object({ functionType: R.ProbeInput.shape.functionType }), response: R.Endpoint }),
  putModule: route({ method: "PUT", path: "/api/v1/applications/{app}/module", role: "admin", tag: "registry", summary: "Replace the application's endpoints, ingresses and egresses from a StateFun module YAML (format 3.1); ?dryRun=true only diffs; a new pattern taking function types another application binds is 409 function-type-bound-elsewhere (on a dry run too) unless ?move=true", params: R.AppParams, query: R.ModuleQuery, body: { raw: "application/yaml" }, response: R.ModuleDiff }),
  getModule: route({ method: "GET", path: "/api/v1/applications/{app}/module", role: "viewer", tag: "registry", summary: "The application as a StateFun module YAML (round-trips with PUT)", params: R.AppParams, response: { raw: "application/yaml" } }),
  listFunctions: route({ method: "GET", path: "/api/v1/functions", role: "viewer", tag: "registry", summary: "Known function types with their endpoint, application, address count, backlog and parked count", response: z.object({ functions: z.array(R.FunctionType) }) }),
  probe: route({ method: "POST", path: "/api/v1/probe", role: "operator", tag: "registry", summary: "Send a real ToFunction with no state and report the state the function declares", body: R.ProbeInput, response: R.ProbeResult }),

  // messages
  sendMessage: route({ method: "POST", path: "/api/v1/ingress/{namespace}/{type}/{id}", role: "operator", tag: "messages", summary: "Send one message to an address. Content-Type application/vnd.<typename> sends the body as-is; text/plain sends an io.statefun.types/string. Optional Idempotency-Key header.", params: M.AddressParams, body: { raw: "application/octet-stream", binary: true }, maxBytes: M.INGRESS_HARD_LIMIT, status: 202, response: M.Accepted }),
  putMessage: route({ method: "PUT", path: "/api/v1/ingress/{namespace}/{type}/{id}", role: "operator", tag: "messages", summary: "Same as POST (the playground ingress uses PUT)", params: M.AddressParams, body: { raw: "application/octet-stream", binary: true }, maxBytes: M.INGRESS_HARD_LIMIT, status: 202, response: M.Accepted }),
  sendBatch: route({ method: "POST", path: "/api/v1/ingress", role: "operator", tag: "messages", summary: "Send many messages as NDJSON, one {target, typename, value|base64, idempotencyKey?} per line; a bad line never drops the good ones", body: { raw: "application/x-ndjson" }, maxBytes: M.INGRESS_HARD_LIMIT, status: 200, response: M.BatchResult }),

  // state
  listAddresses: route({ method: "GET", path: "/api/v1/state/{namespace}/{type}", role: "viewer", tag: "state", summary: "Addresses of a function type sorted by id, from the checkpoint (about a second behind): id prefix filter, exact jump (id), cursor pages both ways, each row's live status; never a full count", params: S.FunctionTypeParams, query: S.StateListQuery, response: S.AddressPage }),
  getState: route({ method: "GET", path: "/api/v1/state/{namespace}/{type}/{id}", role: "viewer", tag: "state", summary: "One address: version, every registered state value (decoded when possible), mailbox head, parked error, lease", params: S.StateAddressParams, response: S.AddressState }),
  patchState: route({ method: "PATCH", path: "/api/v1/state/{namespace}/{type}/{id}", role: "operator", tag: "state", summary: "Versioned write of registered state values (set by JSON value or base64, delete); 409 version-conflict with the current state when expectedVersion is stale", params: S.StateAddressParams, body: S.PatchState, maxBytes: 8 * 1024 * 1024, response: S.PatchResult }),
  stateHistory: route({ method: "GET", path: "/api/v1/state/{namespace}/{type}/{id}/history", role: "viewer", tag: "state", summary: "Recent commits and patches of one address from its partition's changelog, newest first", params: S.StateAddressParams, query: S.HistoryQuery, response: S.History }),
  stateTimers: route({ method: "GET", path: "/api/v1/state/{namespace}/{type}/{id}/timers", role: "viewer", tag: "state", summary: "Delayed messages this address sent that are still pending (they wait in the sender's partition), soonest first", params: S.StateAddressParams, query: S.TimersQuery, response: S.PendingTimers }),
  listParked: route({ method: "GET", path: "/api/v1/parked", role: "viewer", tag: "state", summary: "Parked addresses of every partition, with their error and mailbox length", query: S.ParkedQuery, response: S.ParkedPage }),
  resumeParked: route({ method: "POST", path: "/api/v1/parked/{namespace}/{type}/{id}/resume", role: "operator", tag: "state", summary: "Resume a parked address: its head message is retried", params: S.StateAddressParams, response: S.UnparkResult }),
  skipParked: route({ method: "POST", path: "/api/v1/parked/{namespace}/{type}/{id}/skip", role: "operator", tag: "state", summary: "Drop the head message of a parked address (recorded in the audit log), then resume it", params: S.StateAddressParams, response: S.UnparkResult }),

  // egress
  readEgress: route({ method: "GET", path: "/api/v1/egress/{namespace}/{name}", role: "viewer", tag: "egress", summary: "Records of an egress (id {namespace}/{name}) after a cursor, optionally one topic; ?application= when several applications declare the egress", params: E.EgressParams, query: E.EgressQuery, response: E.EgressPage }),

  // savepoints
  createSavepoint: route({ method: "POST", path: "/api/v1/applications/{app}/savepoints", role: "operator", tag: "savepoints", summary: "Take a savepoint of the application: a consistent cut of its state, in-flight messages and pending delayed messages, without pausing dispatch (a control job; watch GET /api/v1/savepoints/{id})", params: R.AppParams, body: SP.CreateSavepoint, status: 202, response: SP.Accepted }),
  listSavepoints: route({ method: "GET", path: "/api/v1/applications/{app}/savepoints", role: "viewer", tag: "savepoints", summary: "The application's savepoints, newest first: label, status, cut, duration, addresses, values, bytes, in-flight messages, timers", params: R.AppParams, response: SP.SavepointList }),
  getSavepoint: route({ method: "GET", path: "/api/v1/savepoints/{id}", role: "viewer", tag: "savepoints", summary: "One savepoint, with its job's progress while it runs", params: SP.SavepointParams, response: SP.Savepoint }),
  rollbackSavepoint: route({ method: "POST", path: "/api/v1/savepoints/{id}/rollback", role: "admin", tag: "savepoints", summary: "Make the application's live state exactly the savepoint, online: the application is paused, a savepoint of its current state is taken (so the rollback can be undone), and only the addresses that differ from the savepoint are rewritten. Egress already emitted is not recalled.", params: SP.SavepointParams, status: 202, response: SP.RollbackResult }),
  exportSavepoint: route({ method: "GET", path: "/api/v1/savepoints/{id}/export", role: "viewer", tag: "savepoints", summary: "The savepoint as NDJSON: a header line (format version, application, function types, cut), then one address per line with typed values, mailbox and timers", params: SP.SavepointParams, response: { raw: "application/x-ndjson" } }),
  importSavepoint: route({ method: "POST", path: "/api/v1/applications/{app}/savepoints/import", role: "operator", tag: "savepoints", summary: "Create a savepoint from an exported NDJSON file (every line validated; a bad line is refused with its number and nothing is applied); roll back onto it to bootstrap state", params: R.AppParams, body: { raw: "application/x-ndjson", stream: true }, maxBytes: SP.IMPORT_MAX_BYTES, status: 201, response: SP.ImportResult }),
  getJob: route({ method: "GET", path: "/api/v1/jobs/{jobId}", role: "viewer", tag: "savepoints", summary: "A control job (savepoint or rollback): state, progress, result or why it failed", params: SP.JobParams, response: SP.ControlJobView }),
  diffSavepoint: route({ method: "GET", path: "/api/v1/savepoints/{id}/diff", role: "viewer", tag: "savepoints", summary: "Added, removed and changed addresses against live state or another savepoint, with per-value before/after; paginated, with counts", params: SP.SavepointParams, query: SP.DiffQuery, response: SP.Diff }),

  // operations
  audit: route({ method: "GET", path: "/api/v1/audit", role: "viewer", tag: "operations", summary: "Audit events, newest first", query: O.AuditQuery, response: O.AuditPage }),
  health: route({ method: "GET", path: "/api/health", role: null, tag: "operations", summary: "Postgres, Redis and live workers", response: O.Health }),
  metrics: route({ method: "GET", path: "/api/v1/metrics", role: "viewer", tag: "operations", summary: "Per function type: StateFun's counters (in, outLocal, outRemote, outEgress, remoteInvocationFailures), inflightAsyncOps, numBacklog, numBlockedAddress, last-minute rates and latency p50/p99, summed over all workers", response: MetricsReport }),
  prometheusMetrics: route({ method: "GET", path: "/metrics", role: "viewer", tag: "operations", summary: "The same metrics in the Prometheus text format (scrape with `authorization: Bearer <viewer token>`)", response: { raw: "text/plain; version=0.0.4" } }),
  openapi: route({ method: "GET", path: "/api/v1/openapi.json", role: null, tag: "operations", summary: "This document", response: { raw: "application/json" } }),
} as const;

export type ApiName = keyof typeof api;
