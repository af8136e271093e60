import { Duration, FunctionsPattern, FUNCTIONS_PATTERN_RE, INT32_MAX, INT32_MIN } from "@/server/contracts/registry";
import { Typename } from "@/server/contracts/common";
import { DURATION_HELP } from "@/server/contracts/duration";
import type { Endpoint, EndpointInput } from "../../lib/types";

/** The endpoint form's text fields; `read`/`write` only matter for the OkHttp transport. */
export interface EndpointValues {
  functions: string;
  url: string;
  call: string;
  connect: string;
  read: string;
  write: string;
  maxBatch: string;
  probeType: string;
}
export type EndpointErrors = Partial<Record<keyof EndpointValues, string>>;

export const EMPTY_VALUES: EndpointValues = { functions: "", url: "", call: "", connect: "", read: "", write: "", maxBatch: "", probeType: "" };

export const isExact = (pattern: string) => FUNCTIONS_PATTERN_RE.test(pattern) && !pattern.endsWith("/*");
const firstIssue = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  r.success ? null : (r.error?.issues[0]?.message ?? "is invalid");

/** An endpoint as the form shows it: its spec, durations as the server formats them. */
export function valuesOf(e: Endpoint): EndpointValues {
  return {
    functions: e.functions,
    url: e.urlPathTemplate,
    call: e.transport.call,
    connect: e.transport.connect,
    read: e.transport.read ?? "",
    write: e.transport.write ?? "",
    maxBatch: String(e.maxNumBatchRequests),
    probeType: isExact(e.functions) ? e.functions : "",
  };
}

export interface ValidateOptions {
  /** Registering probes first, so a namespace pattern needs a type to probe; an edit may skip it. */
  probeRequired: boolean;
  /** The transport to keep (its type and the properties the form does not show) when editing. */
  baseTransport?: Record<string, unknown>;
}

/** Client-side checks with the server's own schemas, so most mistakes are caught before a request. */
export function validateEndpoint(v: EndpointValues, opts: ValidateOptions): { errors: EndpointErrors; input: EndpointInput | null; probeType: string } {
  const errors: EndpointErrors = {};
  const functions = v.functions.trim();
  const url = v.url.trim();
  const probeType = v.probeType.trim() || (isExact(functions) ? functions : "");

  const f = firstIssue(FunctionsPattern.safeParse(functions));
  if (!functions) errors.functions = "Enter a pattern such as example/greeter or example/*.";
  else if (f) errors.functions = `The pattern ${f}.`;

  if (!url) errors.url = "Enter the URL the functions are served at.";
  else if (!/^https?:\/\//i.test(url)) errors.url = "The URL must start with http:// or https://.";

  const transport: Record<string, unknown> = { ...opts.baseTransport };
  for (const key of ["call", "connect", "read", "write"] as const) {
    const text = v[key].trim();
    delete transport[key];
    if (!text) continue;
    const issue = firstIssue(Duration.safeParse(text));
    if (issue) errors[key] = issue.startsWith('"') ? issue : `${issue}; ${DURATION_HELP}`;
    else transport[key] = text;
  }

  let maxNumBatchRequests: number | undefined;
  if (v.maxBatch.trim()) {
    const n = Number(v.maxBatch.trim());
    if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) errors.maxBatch = "Enter a whole number (0 or less disables the backlog cap).";
    else maxNumBatchRequests = n;
  }

  if (!probeType) {
    if (opts.probeRequired) errors.probeType = "A namespace pattern needs a function type to probe, e.g. example/person.";
  } else {
    const t = firstIssue(Typename.safeParse(probeType));
    if (t) errors.probeType = `The function type ${t}.`;
    else if (!errors.functions && functions.endsWith("/*") && probeType.split("/")[0] !== functions.split("/")[0])
      errors.probeType = `${probeType} is not bound by ${functions}; use a type in the ${functions.split("/")[0]} namespace.`;
    else if (!errors.functions && isExact(functions) && probeType !== functions)
      errors.probeType = `An exact pattern can only probe itself (${functions}).`;
  }

  if (Object.keys(errors).length) return { errors, input: null, probeType };
  return {
    errors,
    probeType,
    input: {
      functions,
      urlPathTemplate: url,
      ...(maxNumBatchRequests !== undefined ? { maxNumBatchRequests } : {}),
      ...(Object.keys(transport).length ? { transport: transport as EndpointInput["transport"] } : {}),
      ...(probeType ? { probeFunctionType: probeType } : {}),
    },
  };
}
