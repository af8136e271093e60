import { ENDPOINT_V2, type ProbeResult } from "../contracts/registry";
import type { HostPolicy } from "../net/host-policy";
import { normalizeEndpoint, type EndpointRecord } from "./endpoint-spec";
import { probeFunction } from "./probe";

// A probe answers a person waiting at a form: cap the endpoint's (possibly minutes-long) budgets.
const PROBE_CONNECT_CAP_MS = 10_000;
const PROBE_CALL_CAP_MS = 15_000;

export function probeRecord(record: EndpointRecord, functionType: string, hosts: HostPolicy): Promise<ProbeResult> {
  return probeFunction({
    urlPathTemplate: record.urlPathTemplate,
    functionType,
    connectTimeoutMs: Math.min(record.connectTimeoutMs, PROBE_CONNECT_CAP_MS),
    callTimeoutMs: Math.min(record.callTimeoutMs, PROBE_CALL_CAP_MS),
    hosts,
  });
}

/** The probe route: the same URL, host and timeout rules as registration, then one real ToFunction. */
export function probeEndpoint(input: { urlPathTemplate: string; functionType: string; transport?: Record<string, unknown> }, hosts: HostPolicy): Promise<ProbeResult> {
  const record = normalizeEndpoint(ENDPOINT_V2, { functions: input.functionType, urlPathTemplate: input.urlPathTemplate, transport: input.transport }, hosts);
  return probeRecord(record, input.functionType, hosts);
}
