import { randomBytes } from "node:crypto";
import type { Redis } from "../redis";
import { Partitioning } from "./keys";
import { scriptsFor, type DataPlaneScripts } from "./scripts";
import { timerPayload } from "./timer-data";
import { getOrSet } from "../collections";

export const EGRESS_MAX_LEN = 1_000_000;
const ENQUEUE_CHUNK = 1_000;

export interface EnqueueItem {
  address: string;
  functionType: string;
  entry: Buffer;
  /** ≤ 0: no cap. */
  cap: number;
  idempotencyKey?: string;
}
export type EnqueueResult = "queued" | "duplicate" | "mailbox-full";

export interface Claimed {
  partition: number;
  address: string;
  version: number;
  token: string;
  epoch: string;
  /** Redis time at claim (ms): TTLs are judged against it. */
  now: number;
  state: Map<string, Buffer>;
  mailbox: Buffer[];
}

/** How many addresses of each endpoint one claim may take (claimWithin). */
export interface ClaimBudget {
  /** Any endpoint not in `endpoints`. */
  other: number;
  /** Endpoint key (its `functions`: `ns/type` or `ns/*`) → budget. */
  endpoints: Array<[string, number]>;
  /** The exact `ns/type` endpoints of the namespaces in `endpoints` (so the script resolves as the registry does). */
  exact: string[];
}

export interface Mutation {
  name: string;
  op: "M" | "D";
  value?: Buffer;
}
export interface Outgoing {
  address: string;
  functionType: string;
  entry: Buffer;
}
export interface TimerOp {
  op: "S" | "C";
  /** Scoped to the sender: `<sender address>\0<token>`; "" for an untokened send. */
  tokenKey: string;
  timerId?: string;
  delayMs?: number;
  target?: Outgoing;
}
export interface EgressRecord {
  streamKey: string;
  typename: string;
  value: Buffer;
  topic: string;
  source: string;
}
export interface CommitPlan {
  claimed: Claimed;
  functionType: string;
  consumed: number;
  mutations: Mutation[];
  outgoing: Outgoing[];
  timers: TimerOp[];
  egress: EgressRecord[];
  summary: string;
}

/** One address as a rollback writes it back (restore-3.lua). */
export interface RestoredAddress {
  address: string;
  functionType: string;
  invokedAt: number | null;
  values: Array<{ name: string; value: Buffer; writtenAt: number }>;
  mailbox: Buffer[];
}
export interface RestoredTimer {
  id: string;
  dueAt: number;
  data: Buffer;
}

/** The data-plane marker's value: who created it and when (recovery adds the checkpoint it rebuilt from). */
export const markerValue = (by: "init" | "fresh" | "recovery", extra: Record<string, number> = {}) => JSON.stringify({ createdAt: Date.now(), by, ...extra });

export class FencedError extends Error {}
/** Redis holds no data plane (it came back empty): writes wait until it is rebuilt from Postgres. */
export class RecoveringError extends Error {
  constructor() {
    super("the data plane is being rebuilt from the last checkpoint after Redis lost its data; retry in a few seconds");
  }
}
export class DuplicateTokenError extends Error {}

/** Typed access to the data-plane scripts. Holds no state but the connection and the key layout. */
export class DataPlane {
  readonly keys: Partitioning;
  /** Told about every delayed message this process commits (the runner's timer schedule). */
  onTimerScheduled?: (partition: number, dueAt: number) => void;
  /**
   * Called when a write finds no data-plane marker: returns true when it created one (a deployment that was
   * never checkpointed starts empty), false while Redis must first be rebuilt from Postgres.
   */
  ensureMarker?: () => Promise<boolean>;
  private readonly s: DataPlaneScripts;
  private readonly b: DataPlaneScripts;

  constructor(
    readonly redis: Redis,
    prefix: string,
    partitions: number,
    groups: number,
    luaOverrides?: string,
  ) {
    this.keys = new Partitioning(prefix, partitions, groups);
    const { text, binary } = scriptsFor(redis, luaOverrides);
    this.s = text;
    this.b = binary;
  }

  /** The global sequence: every durable change so far has a number ≤ it (what a checkpoint must reach to cover "now"). */
  async sequence(): Promise<number> {
    return Number((await this.redis.get(this.keys.seq)) ?? 0);
  }

  /** Creates the marker of a data plane that starts empty (tests and benchmarks without a control plane). */
  async initMarker(): Promise<void> {
    await this.redis.set(this.keys.marker, markerValue("init"), "NX");
  }

  /** Runs a write; on NOPLANE, creates the marker if the data plane may start empty and runs it once more. */
  private async write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (!String((e as Error).message).startsWith("NOPLANE")) throw e;
      if (!(await this.ensureMarker?.())) throw new RecoveringError();
      return run();
    }
  }

  /** Messages for many addresses; one script call per partition, all in one pipeline round trip. */
  enqueue(items: EnqueueItem[], idempotencyTtlMs: number): Promise<EnqueueResult[]> {
    return this.write(() => this.enqueueOnce(items, idempotencyTtlMs));
  }

  private async enqueueOnce(items: EnqueueItem[], idempotencyTtlMs: number): Promise<EnqueueResult[]> {
    const byPartition = new Map<number, number[]>();
    items.forEach((it, i) => {
      const p = this.keys.partitionOf(it.address);
      getOrSet(byPartition, p, () => []).push(i);
    });
    // one script call per ENQUEUE_CHUNK messages of a partition: a huge batch to one address stays many short scripts
    const calls: Array<[number, number[]]> = [];
    for (const [p, idx] of byPartition) for (let i = 0; i < idx.length; i += ENQUEUE_CHUNK) calls.push([p, idx.slice(i, i + ENQUEUE_CHUNK)]);
    const results: EnqueueResult[] = new Array(items.length);
    await Promise.all(
      calls.map(async ([p, idx]) => {
        const args: Array<string | number | Buffer> = [this.keys.ready(p), this.keys.changelog(p), this.keys.seq, this.keys.marker, this.keys.pp(p), this.keys.bell, p, idempotencyTtlMs];
        for (const i of idx) {
          const it = items[i];
          args.push(it.address, it.functionType, it.entry, it.cap, it.idempotencyKey ?? "");
        }
        const res = (await this.s.enqueue(args)) as number[];
        idx.forEach((i, j) => (results[i] = res[j] === 1 ? "queued" : res[j] === 0 ? "duplicate" : "mailbox-full"));
      }),
    );
    return results;
  }

  async claim(p: number, k: number, batch: number, leaseMs: number): Promise<Claimed[]> {
    return (await this.claimWithin(p, k, batch, leaseMs)).claimed;
  }

  /**
   * Claim within per-endpoint budgets: at most the listed budget of each endpoint in `budget.endpoints` and
   * `budget.other` of any other; an address beyond its endpoint's budget waits for a call slot (claim-2.lua),
   * reported in `waiting` (endpoint key → addresses set waiting) for the caller to `unwait` when it has room.
   */
  async claimWithin(p: number, k: number, batch: number, leaseMs: number, budget?: ClaimBudget): Promise<{ claimed: Claimed[]; waiting: Array<[string, number]> }> {
    const token = randomBytes(9).toString("base64url");
    const args: Array<string | number> = [this.keys.ready(p), this.keys.leases(p), this.keys.pp(p), k, batch, leaseMs, token, this.keys.marker];
    if (budget) {
      args.push(budget.other, budget.endpoints.length);
      for (const [key, n] of budget.endpoints) args.push(key, n);
      args.push(...budget.exact);
    }
    const raw = (await this.b.claim(...args)) as unknown[];
    const now = Number((raw[0] as Buffer).toString());
    const claimed: Claimed[] = [];
    for (let i = 2; i < raw.length; i++) {
      const [addr, ver, tok, st, mb, epoch] = raw[i] as [Buffer, Buffer, Buffer, Buffer[], Buffer[], Buffer];
      const state = new Map<string, Buffer>();
      for (let j = 0; j < st.length; j += 2) state.set(st[j].toString(), st[j + 1]);
      claimed.push({ partition: p, address: addr.toString(), version: Number(ver.toString()), token: tok.toString(), epoch: epoch.toString(), now, state, mailbox: mb });
    }
    const w = raw[1] as Array<Buffer | number>;
    const waiting: Array<[string, number]> = [];
    for (let i = 0; i < w.length; i += 2) waiting.push([w[i].toString(), Number(w[i + 1])]);
    return { claimed, waiting };
  }

  /** Up to `max` (0: all) addresses of an endpoint that waited for a call slot go back to the ready list's head. */
  async unwait(p: number, endpointKey: string, max: number): Promise<number> {
    return (await this.s.unwait(this.keys.waiting(p, endpointKey), this.keys.ready(p), this.keys.waitingEndpoints(p), endpointKey, max, this.keys.bell, p)) as number;
  }

  private target(o: Outgoing): Array<string | number | Buffer> {
    const tp = this.keys.partitionOf(o.address);
    return [this.keys.pp(tp), o.address, o.functionType, o.entry, this.keys.ready(tp), tp];
  }

  async commit(plan: CommitPlan): Promise<{ version: number; seq: number }> {
    const c = plan.claimed;
    const p = c.partition;
    const k = this.keys;
    const args: Array<string | number | Buffer> = [
      k.meta(p, c.address), k.mailbox(p, c.address), k.state(p, c.address), k.ready(p), k.leases(p), k.epoch(p), k.changelog(p), k.seq, k.stats(p),
      c.address, c.token, c.version, c.epoch, plan.consumed, k.bell, p, plan.functionType, k.marker, plan.summary,
    ];
    args.push(plan.mutations.length);
    for (const m of plan.mutations) args.push(m.name, m.op, m.value ?? "");
    args.push(plan.outgoing.length);
    for (const o of plan.outgoing) args.push(...this.target(o));
    args.push(plan.timers.length);
    for (const t of plan.timers) {
      if (t.op === "S") {
        args.push("S", k.timers(p), k.timerData(p), k.tokens(p), t.timerId!, t.delayMs!, t.tokenKey, timerPayload(k, t.target!));
      } else args.push("C", k.timers(p), k.timerData(p), k.tokens(p), "", 0, t.tokenKey, "");
    }
    args.push(plan.egress.length);
    for (const e of plan.egress) args.push(e.streamKey, EGRESS_MAX_LEN, e.typename, e.value, e.topic, e.source);
    try {
      const [version, seq] = (await this.s.commit(args)) as [number, number];
      for (const t of plan.timers) if (t.op === "S") this.onTimerScheduled?.(p, c.now + t.delayMs!);
      return { version, seq };
    } catch (e) {
      const msg = (e as Error).message ?? "";
      if (msg.startsWith("FENCED")) throw new FencedError(msg);
      if (msg.startsWith("TOKEN")) throw new DuplicateTokenError(msg.slice(6));
      throw e;
    }
  }

  abandon(c: Claimed) {
    return this.s.abandon(this.keys.meta(c.partition, c.address), this.keys.leases(c.partition), this.keys.ready(c.partition), c.address, c.token, this.keys.bell, c.partition);
  }

  async park(c: Claimed, error: string, attempts: number): Promise<boolean> {
    const p = c.partition;
    return (await this.s.park(this.keys.meta(p, c.address), this.keys.leases(p), this.keys.parked(p), c.address, c.token, error, attempts)) === 1;
  }

  async unpark(address: string, mode: "resume" | "skip", functionType: string): Promise<{ ok: boolean; dropped: Buffer | null }> {
    const p = this.keys.partitionOf(address);
    const k = this.keys;
    const summary = JSON.stringify({ op: "skip", n: 1 });
    const [ok, dropped] = (await this.b.unpark(
      k.meta(p, address), k.mailbox(p, address), k.parked(p), k.ready(p), k.stats(p), k.changelog(p), k.seq,
      address, mode, k.bell, p, functionType, summary,
    )) as [number, Buffer?];
    return { ok: Number(ok) === 1, dropped: dropped && dropped.length ? dropped : null };
  }

  hold(c: Claimed, functionType: string) {
    return this.s.hold(this.keys.meta(c.partition, c.address), this.keys.leases(c.partition), this.keys.held(c.partition), c.address, c.token, functionType);
  }

  async unhold(p: number, addresses: string[]): Promise<number> {
    if (addresses.length === 0) return 0;
    return (await this.s.unhold([this.keys.held(p), this.keys.ready(p), this.keys.bell, p, ...addresses])) as number;
  }

  /** Requeues expired leases; `takeOver`: also every address waiting for a call slot (a runner taking p over). */
  async reap(p: number, max = 500, takeOver = false): Promise<number> {
    return (await this.s.reap(this.keys.leases(p), this.keys.ready(p), this.keys.pp(p), max, this.keys.bell, p, takeOver ? "1" : "0")) as number;
  }

  async extend(p: number, leaseMs: number, held: Array<[string, string]>): Promise<number> {
    if (held.length === 0) return 0;
    return (await this.s.extend([this.keys.leases(p), this.keys.pp(p), leaseMs, ...held.flat()])) as number;
  }

  /** Delivers due timers; returns how many, and when the partition's next timer is due (null: none). */
  async fireTimers(p: number, max = 500): Promise<{ fired: number; nextDue: number | null }> {
    const [fired, next] = (await this.s.fireTimers(this.keys.timers(p), this.keys.timerData(p), this.keys.tokens(p), this.keys.changelog(p), this.keys.seq, max, this.keys.bell, this.keys.marker)) as [number, string];
    const n = Number(next);
    return { fired, nextDue: n < 0 ? null : n };
  }

  /**
   * Replaces addresses of partition p with their content in savepoint `savepointId` (all with the new version)
   * and its timers: removes `removeTimers`, adds `addTimers` with their absolute due times. Atomic per call.
   */
  async restore(p: number, savepointId: string, version: number, addresses: RestoredAddress[], removeTimers: string[], addTimers: RestoredTimer[]): Promise<number> {
    const k = this.keys;
    const args: Array<string | number | Buffer> = [k.ready(p), k.changelog(p), k.seq, k.pp(p), version, k.marker, k.bell, p, savepointId, addresses.length];
    for (const a of addresses) {
      args.push(a.address, a.functionType, a.invokedAt ?? "", a.values.length);
      for (const v of a.values) args.push(v.name, v.value, v.writtenAt);
      args.push(a.mailbox.length, ...a.mailbox);
    }
    args.push(removeTimers.length, ...removeTimers, addTimers.length);
    for (const t of addTimers) args.push(t.id, t.dueAt, t.data);
    return (await this.s.restore(args)) as number;
  }

  /** Returns every registered spec of the type, or the conflict. */
  async registerSpecs(functionType: string, specs: Array<{ name: string; typename: string; mode: string; ms: number }>) {
    const args: string[] = [];
    for (const s of specs) args.push(s.name, `${s.typename}\0${s.mode}\0${s.ms}`, s.typename);
    const log = this.keys.changelog(this.keys.partitionOf(functionType));
    const res = (await this.write(() => this.s.registerSpecs([this.keys.specs(functionType), log, this.keys.seq, this.keys.marker, functionType, ...args]))) as string[];
    if (res[0] === "CONFLICT") return { conflict: { name: res[1], registered: res[2], declared: res[3] } } as const;
    return { specs: parseSpecs(res.slice(1)) } as const;
  }

  async loadSpecs(functionType: string) {
    const flat = await this.redis.hgetall(this.keys.specs(functionType));
    return parseSpecs(Object.entries(flat).flat());
  }

  async patch(address: string, expectedVersion: number, mutations: Mutation[], summary: string) {
    const p = this.keys.partitionOf(address);
    const args: Array<string | number | Buffer> = [this.keys.meta(p, address), this.keys.state(p, address), this.keys.changelog(p), this.keys.seq, this.keys.marker, address, expectedVersion, summary];
    for (const m of mutations) args.push(m.name, m.op, m.value ?? "");
    const res = (await this.write(() => this.s.patch(args))) as [string, number, number?];
    return res[0] === "OK" ? ({ version: Number(res[1]), seq: Number(res[2]) } as const) : ({ conflict: Number(res[1]) } as const);
  }
}

export interface StateSpec {
  name: string;
  typename: string;
  expireMode: "NONE" | "AFTER_WRITE" | "AFTER_INVOKE";
  expireAfterMillis: number;
}

function parseSpecs(flat: string[]): StateSpec[] {
  const out: StateSpec[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const [typename, mode, ms] = flat[i + 1].split("\0");
    out.push({ name: flat[i], typename, expireMode: mode as StateSpec["expireMode"], expireAfterMillis: Number(ms) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
