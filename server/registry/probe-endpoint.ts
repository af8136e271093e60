import { ENDPOINT_V2, type ProbeResult } from "../contracts/registry";
import { normalizeEndpoint, type EndpointRecord } from "./endpoint-spec";
import { probeFunction } from "./probe";

// A probe answers a person waiting at a form: cap the endpoint's (possibly minutes-long) budgets.
const PROBE_CONNECT_CAP_MS = 10_000;
const PROBE_CALL_CAP_MS = 15_000;

export function probeRecord(record: EndpointRecord, functionType: string): Promise<ProbeResult> {
  return probeFunction({
    urlPathTemplate: record.urlPathTemplate,
    functionType,
    connectTimeoutMs: Math.min(record.connectTimeoutMs, PROBE_CONNECT_CAP_MS),
    callTimeoutMs: Math.min(record.callTimeoutMs, PROBE_CALL_CAP_MS),
  });
}

/** The probe route: the same URL and timeout rules as registration, then one real ToFunction. */
export function probeEndpoint(input: { urlPathTemplate: string; functionType: string; transport?: Record<string, unknown> }): Promise<ProbeResult> {
  const record = normalizeEndpoint(ENDPOINT_V2, { functions: input.functionType, urlPathTemplate: input.urlPathTemplate, transport: input.transport });
  return probeRecord(record, input.functionType);
}
