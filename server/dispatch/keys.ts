import { crc32 } from "node:zlib";

/**
 * Where an address lives. Every key of a partition carries the hash tag `{pN}`, so on Redis Cluster a
 * partition is one slot and every per-partition script touches one slot (docs/DESIGN.md §3).
 */
export interface AddressRef {
  namespace: string;
  type: string;
  id: string;
}

export const functionTypeOf = (a: Pick<AddressRef, "namespace" | "type">) => `${a.namespace}/${a.type}`;
export const addressKey = (a: AddressRef) => `${a.namespace}/${a.type}/${a.id}`;

/** `ns/type/id`: namespace and type contain no `/`; the id is everything after the second `/`. */
export function parseAddress(s: string): AddressRef | null {
  const a = s.indexOf("/");
  const b = a < 0 ? -1 : s.indexOf("/", a + 1);
  if (a <= 0 || b <= a + 1 || b === s.length - 1) return null;
  return { namespace: s.slice(0, a), type: s.slice(a + 1, b), id: s.slice(b + 1) };
}

export class Partitioning {
  constructor(
    readonly prefix: string,
    readonly partitions: number,
    readonly groups: number,
  ) {}

  partitionOf(address: string): number {
    return crc32(address) % this.partitions;
  }

  /** `<prefix>:{pN}:` — every key of partition N starts with this. */
  pp(p: number): string {
    return `${this.prefix}:{p${p}}:`;
  }

  ready = (p: number) => `${this.pp(p)}ready`;
  leases = (p: number) => `${this.pp(p)}leases`;
  epoch = (p: number) => `${this.pp(p)}epoch`;
  changelog = (p: number) => `${this.pp(p)}log`;
  stats = (p: number) => `${this.pp(p)}stats`;
  parked = (p: number) => `${this.pp(p)}parked`;
  held = (p: number) => `${this.pp(p)}held`;
  /** Addresses of one endpoint (`ns/type` or `ns/*`) waiting for a call slot (DISPATCH_MAX_INFLIGHT_PER_ENDPOINT). */
  waiting = (p: number, endpointKey: string) => `${this.pp(p)}w:${endpointKey}`;
  /** The endpoint keys with a waiting list in partition p. */
  waitingEndpoints = (p: number) => `${this.pp(p)}wt`;
  timers = (p: number) => `${this.pp(p)}timers`;
  timerData = (p: number) => `${this.pp(p)}tdata`;
  tokens = (p: number) => `${this.pp(p)}tokens`;
  meta = (p: number, addr: string) => `${this.pp(p)}a:${addr}`;
  mailbox = (p: number, addr: string) => `${this.pp(p)}m:${addr}`;
  state = (p: number, addr: string) => `${this.pp(p)}s:${addr}`;

  get seq() {
    return `${this.prefix}:seq`;
  }
  /** Present while Redis holds a data plane; absent after Redis lost its data, until it is rebuilt. */
  get marker() {
    return `${this.prefix}:plane`;
  }
  get bell() {
    return `${this.prefix}:bell`;
  }
  specs = (functionType: string) => `${this.prefix}:specs:${functionType}`;
  egress = (application: string, egressId: string) => `${this.prefix}:eg:${application}:${egressId}`;

  /** Partitions carried by group g (BullMQ holds one job per group). */
  partitionsOfGroup(g: number): number[] {
    const out: number[] = [];
    for (let p = g; p < this.partitions; p += this.groups) out.push(p);
    return out;
  }

  groupOf(p: number): number {
    return p % this.groups;
  }
}
