import type { Ctx } from "../context";
import type { AddressState } from "../contracts/state";
import type { DataPlane, StateSpec } from "../dispatch/data-plane";
import { planeOf } from "../dispatch/plane";
import { functionTypeOf, type AddressRef } from "../dispatch/keys";
import { AppError } from "../errors";
import { iso, mailboxEntryView, valueView } from "./views";

export const MAILBOX_HEAD = 10;

/** One address's keys, read in one MULTI (a consistent cut: commits and patches are single scripts), no lease. */
export interface RawAddress {
  address: string;
  ref: AddressRef;
  functionType: string;
  /** Redis time of the read (ms). */
  now: number;
  meta: Record<string, string>;
  state: Map<string, Buffer>;
  mailboxLength: number;
  head: Buffer[];
  leaseDeadline: number | null;
  held: boolean;
  specs: StateSpec[];
}

export const exists = (r: RawAddress) => Object.keys(r.meta).length > 0 || r.state.size > 0 || r.mailboxLength > 0;
export const versionOf = (r: RawAddress) => Number(r.meta.ver ?? 0);

export const addressOf = (a: AddressRef) => `${a.namespace}/${a.type}/${a.id}`;

export async function readRaw(plane: DataPlane, ref: AddressRef, headN = MAILBOX_HEAD): Promise<RawAddress> {
  if (!(headN >= 1)) throw new RangeError("headN must be at least 1 (LRANGE 0 -1 would read the whole mailbox)");
  const address = addressOf(ref);
  const functionType = functionTypeOf(ref);
  const k = plane.keys;
  const p = k.partitionOf(address);
  const [res, specs] = await Promise.all([
    plane.redis
      .multi()
      .time()
      .hgetall(k.meta(p, address))
      .hgetallBuffer(k.state(p, address))
      .llen(k.mailbox(p, address))
      .lrangeBuffer(k.mailbox(p, address), 0, headN - 1)
      .zscore(k.leases(p), address)
      .hexists(k.held(p), address)
      .exec(),
    plane.loadSpecs(functionType),
  ]);
  if (!res) throw new Error("the state read transaction was aborted");
  for (const [err] of res) if (err) throw err;
  const out = res.map(([, v]) => v);
  const [sec, micros] = out[0] as [string, string];
  const stateRaw = out[2] as Record<string, Buffer>;
  return {
    address,
    ref,
    functionType,
    now: Number(sec) * 1000 + Math.floor(Number(micros) / 1000),
    meta: out[1] as Record<string, string>,
    state: new Map(Object.entries(stateRaw)),
    mailboxLength: Number(out[3]),
    head: (out[4] as Buffer[]) ?? [],
    leaseDeadline: out[5] === null ? null : Number(out[5]),
    held: Number(out[6]) === 1,
    specs,
  };
}

type ValueView = AddressState["values"][number];

/** Expiry exactly as dispatch judges it (server/dispatch/invoke.ts attachState), at the read's Redis time. */
function specValue(r: RawAddress, s: StateSpec): ValueView {
  const bytes = r.state.get(`v:${s.name}`) ?? null;
  const ttl = s.expireMode !== "NONE" && s.expireAfterMillis > 0;
  const base: ValueView = {
    name: s.name,
    typename: s.typename,
    registered: true,
    present: false,
    kind: "absent",
    ...(ttl ? { expireMode: s.expireMode as "AFTER_WRITE" | "AFTER_INVOKE", expireAfterMillis: s.expireAfterMillis } : {}),
  };
  if (bytes === null) return base;
  const written = Number(r.state.get(`w:${s.name}`)?.toString() ?? 0);
  const withWrite = { ...base, ...(written ? { writtenAt: iso(written) } : {}) };
  if (ttl) {
    const lastInvoke = Number(r.state.get("_i")?.toString() ?? 0);
    const since = s.expireMode === "AFTER_WRITE" ? written : Math.max(written, lastInvoke);
    const expiresAt = since + s.expireAfterMillis;
    if (r.now >= expiresAt) return { ...withWrite, expiresAt: iso(expiresAt), expired: true };
    return { ...withWrite, present: true, ...valueView(s.typename, bytes), expiresAt: iso(expiresAt) };
  }
  return { ...withWrite, present: true, ...valueView(s.typename, bytes) };
}

export function stateView(r: RawAddress): AddressState {
  const values = r.specs.map((s) => specValue(r, s));
  const known = new Set(r.specs.map((s) => s.name));
  for (const [field, bytes] of r.state) {
    if (!field.startsWith("v:") || known.has(field.slice(2))) continue;
    values.push({ name: field.slice(2), typename: "", registered: false, present: true, ...valueView("", bytes) });
  }
  const m = r.meta;
  return {
    address: r.address,
    namespace: r.ref.namespace,
    type: r.ref.type,
    id: r.ref.id,
    version: versionOf(r),
    values,
    mailbox: { length: r.mailboxLength, head: r.head.map(mailboxEntryView) },
    ...(m.pk === "1" ? { parked: { error: m.perr ?? "", since: iso(Number(m.ps ?? 0)), attempts: Number(m.patt ?? 0) } } : {}),
    leased: Boolean(m.lease),
    ...(m.lease && r.leaseDeadline !== null ? { leaseExpiresAt: iso(r.leaseDeadline) } : {}),
    held: r.held,
    readAt: iso(r.now),
  };
}

export function notFound(address: string): AppError {
  return new AppError("address-not-found", `${address} has no state, no messages and no metadata; check the namespace, type and id (ids are case-sensitive)`, { address });
}

export async function getAddressState(ctx: Ctx, ref: AddressRef): Promise<AddressState> {
  const raw = await readRaw(planeOf(ctx), ref);
  if (!exists(raw)) throw notFound(raw.address);
  return stateView(raw);
}
