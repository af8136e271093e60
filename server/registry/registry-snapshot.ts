import type { Db } from "../db";
import type { EndpointRecord } from "./endpoint-spec";
import { toEndpointRecord } from "./dto";
import { getOrSet } from "../collections";

export interface BoundEndpoint extends EndpointRecord {
  id: string;
  application: string;
  paused: boolean;
}

export interface DeclaredEgress {
  id: string;
  kind: string;
  spec: Record<string, unknown>;
}

/** What a worker needs to route: every endpoint, indexed for StateFun's "exact type beats namespace" rule. */
export class RegistrySnapshot {
  private readonly exact = new Map<string, BoundEndpoint>();
  private readonly namespaces = new Map<string, BoundEndpoint>();

  constructor(
    readonly version: number,
    readonly endpoints: BoundEndpoint[],
    /** application name → egress id → egress */
    readonly egresses: Map<string, Map<string, DeclaredEgress>> = new Map(),
  ) {
    for (const e of endpoints) {
      if (e.typeName === null) this.namespaces.set(e.namespace, e);
      else this.exact.set(e.functions, e);
    }
  }

  resolve(functionType: string): BoundEndpoint | null {
    const hit = this.exact.get(functionType);
    if (hit) return hit;
    const slash = functionType.indexOf("/");
    return slash > 0 ? (this.namespaces.get(functionType.slice(0, slash)) ?? null) : null;
  }

  egress(application: string, egressId: string): DeclaredEgress | null {
    return this.egresses.get(application)?.get(egressId) ?? null;
  }
}

export async function loadRegistrySnapshot(db: Db, version: number): Promise<RegistrySnapshot> {
  const [rows, egressRows] = await Promise.all([
    db.functionEndpoint.findMany({ include: { application: { select: { name: true, paused: true } } } }),
    db.egress.findMany({ include: { application: { select: { name: true } } } }),
  ]);
  const egresses = new Map<string, Map<string, DeclaredEgress>>();
  for (const e of egressRows) {
    const app = getOrSet(egresses, e.application.name, () => new Map());
    app.set(e.egressId, { id: e.egressId, kind: e.kind, spec: e.spec as Record<string, unknown> });
  }
  return new RegistrySnapshot(
    version,
    rows.map((r) => ({ ...toEndpointRecord(r), id: r.id, application: r.application.name, paused: r.application.paused })),
    egresses,
  );
}
