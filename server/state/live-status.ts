import type { AddressStatus } from "../contracts/state";
import type { DataPlane } from "../dispatch/data-plane";

/** What Redis says about one address now: the browser's overlay on a checkpoint row. */
export interface LiveAddress {
  /** Anything of the address in Redis (meta, state or mailbox). */
  exists: boolean;
  version: number;
  /** Latest write or invoke time in the state hash (ms); 0 when none. */
  touchedAt: number;
  mailboxLength: number;
  status: AddressStatus;
}

/**
 * A waiting list is searched (LPOS) only this far: a list longer than this is an endpoint starved for minutes, and an
 * address further back shows as `scheduled`. Bounds the cost of one page whatever the backlog.
 */
const WAITING_SEARCH_MAX = 10_000;

/**
 * The live status of a page of addresses of one function type, in two pipelined round trips at most: every row's
 * meta fields (ver, lease, pk, sch), mailbox length, held flag and state write times, then — only for rows that are
 * scheduled and not leased, parked or held — whether they sit in their endpoint's waiting list (claim-2.lua moves an
 * address there when its endpoint has no call slot left: `w:<ns/type>` for an exact binding, `w:<ns/*>` otherwise;
 * both are looked in). Precedence: parked, in flight, held, waiting, scheduled, idle.
 */
export async function liveStatus(plane: DataPlane, functionType: string, addresses: string[]): Promise<LiveAddress[]> {
  if (addresses.length === 0) return [];
  const k = plane.keys;
  const specs = await plane.loadSpecs(functionType);
  const stateFields = ["_i", ...specs.map((s) => `w:${s.name}`)];
  const pipe = plane.redis.pipeline();
  for (const address of addresses) {
    const p = k.partitionOf(address);
    pipe.hmget(k.meta(p, address), "ver", "lease", "pk", "sch");
    pipe.llen(k.mailbox(p, address));
    pipe.hexists(k.held(p), address);
    pipe.hmget(k.state(p, address), ...stateFields);
    pipe.exists(k.state(p, address));
  }
  const res = (await pipe.exec()) ?? [];
  const PER = 5;
  for (const [err] of res) if (err) throw err;
  const out = addresses.map((_, i): LiveAddress => {
    const meta = res[PER * i][1] as Array<string | null>;
    const mailboxLength = Number(res[PER * i + 1][1]);
    const held = Number(res[PER * i + 2][1]) === 1;
    const writes = res[PER * i + 3][1] as Array<string | null>;
    const hasState = Number(res[PER * i + 4][1]) === 1;
    const [ver, lease, pk, sch] = meta;
    const status: AddressStatus = pk === "1" ? "parked" : lease ? "in-flight" : held ? "held" : sch === "1" ? "scheduled" : "idle";
    return {
      exists: meta.some((v) => v !== null) || mailboxLength > 0 || hasState,
      version: Number(ver ?? 0),
      touchedAt: Math.max(0, ...writes.map((w) => Number(w ?? 0))),
      mailboxLength,
      status,
    };
  });

  const ns = functionType.slice(0, functionType.indexOf("/"));
  const candidates = out.map((r, i) => (r.status === "scheduled" ? i : -1)).filter((i) => i >= 0);
  if (candidates.length > 0) {
    const wp = plane.redis.pipeline();
    for (const i of candidates) {
      const p = k.partitionOf(addresses[i]);
      for (const key of [functionType, `${ns}/*`]) wp.lpos(k.waiting(p, key), addresses[i], "MAXLEN", WAITING_SEARCH_MAX);
    }
    const w = (await wp.exec()) ?? [];
    for (const [err] of w) if (err) throw err;
    candidates.forEach((i, j) => {
      if (w[2 * j][1] !== null || w[2 * j + 1][1] !== null) out[i].status = "waiting";
    });
  }
  return out;
}
