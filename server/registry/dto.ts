import { formatFlinkDuration } from "../contracts/duration";
import type { Endpoint, Application } from "../contracts/registry";
import type { EndpointRecord, EndpointKind } from "./endpoint-spec";

type AppRow = {
  id: string;
  name: string;
  description: string;
  paused: boolean;
  pausedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  _count?: { endpoints: number; ingresses: number; egresses: number };
};

export const toApplication = (a: AppRow): Application => ({
  id: a.id,
  name: a.name,
  description: a.description,
  paused: a.paused,
  pausedAt: a.pausedAt?.toISOString() ?? null,
  createdAt: a.createdAt.toISOString(),
  updatedAt: a.updatedAt.toISOString(),
  endpointCount: a._count?.endpoints ?? 0,
  ingressCount: a._count?.ingresses ?? 0,
  egressCount: a._count?.egresses ?? 0,
});

/** An endpoint as Prisma returns it: the stored record plus identity, probe results and timestamps. */
export type EndpointRow = Omit<EndpointRecord, "kind" | "transportExtra"> & {
  id: string;
  kind: string;
  transportExtra: unknown;
  declaredState: unknown;
  probedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export const toEndpointRecord = (r: EndpointRow): EndpointRecord => ({
  kind: r.kind as EndpointKind,
  functions: r.functions,
  namespace: r.namespace,
  typeName: r.typeName,
  urlPathTemplate: r.urlPathTemplate,
  maxNumBatchRequests: r.maxNumBatchRequests,
  transportType: r.transportType,
  callTimeoutMs: r.callTimeoutMs,
  connectTimeoutMs: r.connectTimeoutMs,
  readTimeoutMs: r.readTimeoutMs,
  writeTimeoutMs: r.writeTimeoutMs,
  transportExtra: (r.transportExtra ?? {}) as Record<string, unknown>,
});

/** The stored endpoint; `seenTypes` comes from the data plane (withSeenTypes). */
export const toEndpoint = (r: EndpointRow, application: string): Omit<Endpoint, "seenTypes"> => {
  const f = formatFlinkDuration;
  return {
    id: r.id,
    application,
    kind: r.kind,
    functions: r.functions,
    urlPathTemplate: r.urlPathTemplate,
    maxNumBatchRequests: r.maxNumBatchRequests,
    transport: {
      // a PUT of the endpoint as read keeps them
      ...((r.transportExtra ?? {}) as Record<string, unknown>),
      type: r.transportType,
      call: f(r.callTimeoutMs),
      connect: f(r.connectTimeoutMs),
      ...(r.readTimeoutMs !== null ? { read: f(r.readTimeoutMs) } : {}),
      ...(r.writeTimeoutMs !== null ? { write: f(r.writeTimeoutMs) } : {}),
    },
    timeoutsMillis: {
      call: r.callTimeoutMs,
      connect: r.connectTimeoutMs,
      ...(r.readTimeoutMs !== null ? { read: r.readTimeoutMs } : {}),
      ...(r.writeTimeoutMs !== null ? { write: r.writeTimeoutMs } : {}),
    },
    declaredState: (r.declaredState ?? {}) as Endpoint["declaredState"],
    probedAt: r.probedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
};
