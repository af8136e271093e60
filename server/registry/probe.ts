/**
 * Dry-run an endpoint: ask a remote function which state it declares, without running it.
 *
 * The probe sends a real ToFunction for `<type>/statehouse-probe` with no state and no invocations. Every SDK
 * checks declared state before touching invocations (JS: handler.js → tryCreateAddressScopedStorage), so a
 * function that declares state answers IncompleteInvocationContext listing all of it, and one that declares none
 * runs an empty batch and answers an empty InvocationResponse. Either way the function executes nothing.
 */
import type { DeclaredState, ProbeResult } from "@/server/contracts/registry";
import { AppError } from "@/server/errors";
import type { HostPolicy } from "@/server/net/host-policy";
import { decodeFromFunction, encodeToFunction, MalformedMessageError, type FromFunction } from "@/server/protocol/codec";
import { postToFunction, TransportError } from "@/server/protocol/transport";
import { renderUrl, validateUrlTemplate } from "./url-template";

export const PROBE_ID = "statehouse-probe";
export const UNSET_TYPENAME = "io.statefun.types/unset";

// Interactive dry run: a person is waiting, so fail well before StateFun's 1–2 min call budget.
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const MAX_PROBE_REPLY_BYTES = 1024 * 1024;

export interface ProbeInput {
  urlPathTemplate: string;
  /** `namespace/name` */
  functionType: string;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** Default: the process configuration's (see PostOptions.hostPolicy). */
  hosts?: HostPolicy;
}

function splitFunctionType(functionType: string): { namespace: string; type: string } {
  const parts = functionType.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new AppError("validation-failed", `function type "${functionType}" must be namespace/name`, { functionType });
  return { namespace: parts[0], type: parts[1] };
}

/**
 * What answered, never what it said: the probe can be pointed at any URL the host policy allows, so echoing the
 * body would let whoever may probe read internal services through Statehouse.
 */
function describeReply(reply: { body: Uint8Array; contentType: string | undefined }): string {
  return `${reply.body.length} bytes, content-type ${reply.contentType ?? "none"}`;
}

export function declaredStateOf(reply: FromFunction): DeclaredState[] {
  const missing = reply.incompleteInvocationContext?.missingValues ?? [];
  return missing.map((spec) => ({
    name: spec.stateName,
    typename: spec.typeTypename || UNSET_TYPENAME,
    expireMode: spec.expirationSpec.mode,
    expireAfterMillis: spec.expirationSpec.mode === "NONE" ? 0 : spec.expirationSpec.expireAfterMillis,
  }));
}

export async function probeFunction(input: ProbeInput): Promise<ProbeResult> {
  const problem = validateUrlTemplate(input.urlPathTemplate);
  if (problem) throw new AppError("validation-failed", problem, { urlPathTemplate: input.urlPathTemplate });
  const { namespace, type } = splitFunctionType(input.functionType);
  const url = renderUrl(input.urlPathTemplate, type);
  const refused = input.hosts?.urlProblem(url);
  if (refused) throw new AppError("host-not-allowed", refused, { url });

  const request = encodeToFunction({
    invocation: { target: { namespace, type, id: PROBE_ID }, state: [], invocations: [] },
  });

  let reply;
  try {
    reply = await postToFunction(url, request, {
      connectTimeoutMs: input.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      callTimeoutMs: input.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      maxResponseBytes: MAX_PROBE_REPLY_BYTES,
      hostPolicy: input.hosts,
    });
  } catch (e) {
    if (!(e instanceof TransportError)) throw e;
    if (e.kind === "host-not-allowed")
      throw new AppError("host-not-allowed", e.message.replace(`POST ${url}: `, `${url}: `), { url });
    if (e.kind === "response-too-large")
      throw new AppError("probe-failed", `${url} answered with more than ${MAX_PROBE_REPLY_BYTES} bytes; not a StateFun FromFunction`, { url });
    throw new AppError("endpoint-unreachable", `cannot reach ${url}: ${e.message.replace(`POST ${url}: `, "")}`, {
      url,
      cause: e.kind,
    });
  }

  if (reply.status < 200 || reply.status > 299) {
    // The JS SDK answers a bare 500 to any exception, including a function type it does not bind.
    const hint = reply.status === 500 ? ` (the function raised an error; is ${input.functionType} served at this URL?)` : "";
    throw new AppError("probe-failed", `${url} answered HTTP ${reply.status}${hint} (${describeReply(reply)})`, {
      url,
      status: reply.status,
      contentType: reply.contentType,
      bytes: reply.body.length,
    });
  }

  const notFromFunction = (why: string) =>
    new AppError(
      "probe-failed",
      `the reply from ${url} is not a StateFun FromFunction (${describeReply(reply)}): ${why}`,
      { url, contentType: reply.contentType },
    );
  let decoded: FromFunction;
  try {
    decoded = decodeFromFunction(reply.body);
  } catch (e) {
    throw notFromFunction(e instanceof MalformedMessageError ? e.reason : String(e));
  }
  // Unknown fields decode to an empty message; a real SDK never sends bytes that carry neither oneof member.
  if (reply.body.length > 0 && !decoded.invocationResult && !decoded.incompleteInvocationContext)
    throw notFromFunction("neither invocation_result nor incomplete_invocation_context");

  return {
    reachable: true,
    url,
    latencyMs: Math.round(reply.latencyMs * 10) / 10,
    declaredState: declaredStateOf(decoded),
  };
}
