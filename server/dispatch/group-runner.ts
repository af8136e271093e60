import type { Logger } from "../logger";
import type { RegistrySnapshot } from "../registry/registry-snapshot";
import type { Bell } from "./bell";
import type { ClaimBudget, Claimed, DataPlane } from "./data-plane";
import { processClaimed, type DispatchObserver, type InvokeDeps } from "./invoke";
import type { SpecCache } from "./spec-cache";
import { LagGate } from "../durability/lag";
import { getOrSet } from "../collections";
import { functionTypeOf, parseAddress } from "./keys";

export interface RunnerConfig {
  claimBatch: number;
  maxBatch: number;
  leaseMs: number;
  maxInflight: number;
  /**
   * DISPATCH_MAX_INFLIGHT_PER_ENDPOINT: calls in flight one endpoint may hold of `maxInflight` while more than one
   * is registered (0: no limit), so a hung or slow deployment leaves room to the others; its addresses beyond it
   * wait for a call slot in Redis.
   */
  maxInflightPerEndpoint: number;
  /** CHECKPOINT_LAG_CAP_MS: claiming pauses while Postgres lags further behind (0: never). */
  lagCapMs: number;
  /**
   * DISPATCH_SLICE_WAITS_FOR_CALLS: a slice waits at its end for its calls in flight, holding its group meanwhile —
   * the stall of issue #14, kept only for tests/dispatch/hung-function.test.ts's negative control.
   */
  waitForCallsAtSliceEnd?: boolean;
}

const TIMER_EVERY_MS = 50;

/** The i-th of m near-equal parts of n. */
const share = (n: number, m: number, i: number) => Math.floor(n / m) + (i < n % m ? 1 : 0);
const IDLE_WAIT_MS = 250;

/**
 * How often a group's partitions are swept: expired leases reaped, every partition's timers and ready list polled
 * (safety nets for timers another process wrote and for a missed bell). A third of the lease, within 1–5 s: each
 * sweep is a few Redis calls per partition (256 by default), paid under load as well as idle. Held addresses are
 * also released at once when the registry changes (an application resumed).
 */
export const maintenanceEveryMs = (leaseMs: number) => Math.min(5_000, Math.max(1_000, Math.floor(leaseMs / 3)));

/**
 * Drains the ready addresses of one partition group for a time slice: claim → call → commit, many addresses
 * concurrently, one call per address. Between claims it fires due timers, reaps expired leases and releases held
 * addresses whose application was resumed.
 *
 * Calls in flight belong to the process, not to the slice that started them: a slice ends on time and hands its
 * group on while its calls still run (their addresses stay leased, so nobody else calls them; each commits or
 * parks and reschedules its address when it ends), and one keeper extends the leases of every call in flight.
 * A slice that waited for its calls held its group's job — every other partition of the group — for as long as
 * the slowest call: a hung deployment's call budget (issue #14).
 */
export class GroupRunner {
  /** Calls in flight plus claims under way, across every group this process holds (DISPATCH_MAX_INFLIGHT). */
  private inflight = 0;
  /**
   * When each partition's next timer is due, as last seen. Partitions are polled for timers only when due, when
   * this process schedules one, when the bell says another process wrote some, and once per maintenance round.
   */
  private readonly nextDue = new Map<number, number>();
  /** Resolves whenever in-flight room is given back (a call finished, an over-reserved claim returned). */
  private roomFreed!: Promise<void>;
  private signalRoom: () => void = () => undefined;
  private readonly gate: LagGate;
  /**
   * Calls in flight per endpoint (its key: `functions`, `ns/type` or `ns/*`), and what claims under way may still
   * add (DISPATCH_MAX_INFLIGHT_PER_ENDPOINT).
   */
  private readonly endpointInflight = new Map<string, number>();
  private readonly endpointReserved = new Map<string, number>();
  /** Claims under way may add this many of endpoints with nothing in flight yet. */
  private otherReserved = 0;
  /** Partitions where addresses of an endpoint wait for a call slot (claim-2.lua), by endpoint key. */
  private readonly waitingIn = new Map<string, Set<number>>();
  private readonly releasing = new Set<string>();
  /** Calls in flight, by address, whatever slice started them; their leases are kept alive until each ends. */
  private readonly active = new Map<string, { c: Claimed; done: Promise<void> }>();
  private keeper?: NodeJS.Timeout;

  private release(n: number): void {
    if (n <= 0) return;
    this.inflight -= n;
    this.signalRoom();
    this.roomFreed = new Promise((r) => (this.signalRoom = r));
  }

  constructor(
    private readonly plane: DataPlane,
    private readonly bell: Bell,
    private readonly registry: () => RegistrySnapshot,
    private readonly specs: SpecCache,
    private readonly log: Logger,
    private readonly cfg: RunnerConfig,
    private readonly observer?: DispatchObserver,
  ) {
    this.roomFreed = new Promise((r) => (this.signalRoom = r));
    this.gate = new LagGate(plane.redis, plane.keys.prefix, plane.keys.seq, cfg.lagCapMs);
    plane.onTimerScheduled = (p, dueAt) => {
      if (!(this.nextDue.get(p)! <= dueAt)) this.nextDue.set(p, dueAt);
    };
    // timers written by another process: poll that partition on the next timer round
    bell.onTimers = (p) => this.nextDue.set(p, 0);
  }

  private async fireDue(partitions: number[], all: boolean): Promise<void> {
    const now = Date.now();
    const due = all ? partitions : partitions.filter((p) => (this.nextDue.get(p) ?? Infinity) <= now);
    await Promise.all(
      due.map(async (p) => {
        const { nextDue } = await this.plane.fireTimers(p);
        if (nextDue === null) this.nextDue.delete(p);
        else this.nextDue.set(p, nextDue);
      }),
    );
  }

  async run(group: number, sliceMs: number, signal: AbortSignal): Promise<{ activations: number }> {
    const partitions = this.plane.keys.partitionsOfGroup(group);
    const mine = new Set(partitions);
    const deadline = Date.now() + sliceMs;
    let activations = 0;
    /** This slice's calls still in flight (a settled one wakes the slice: room may have come back). */
    let running = 0;
    let lastTimers = 0;
    let lastMaintenance = 0;
    const maintenanceMs = maintenanceEveryMs(this.cfg.leaseMs);
    let registrySeen = this.registry();
    this.bell.markAll(partitions);
    let settled: () => void = () => undefined;
    let anySettled = new Promise<void>((r) => (settled = r));
    const deps: InvokeDeps = { plane: this.plane, registry: this.registry, specs: this.specs, log: this.log, observer: this.observer, signal };

    const start = (c: Claimed) => {
      activations++;
      running++;
      void this.startCall(deps, c).finally(() => {
        running--;
        settled();
        anySettled = new Promise<void>((r) => (settled = r));
      });
    };

    while (Date.now() < deadline && !signal.aborted) {
      const now = Date.now();
      if (now - lastMaintenance >= maintenanceMs) {
        const takeOver = lastMaintenance === 0;
        lastMaintenance = now;
        lastTimers = now;
        registrySeen = this.registry();
        await this.fireDue(partitions, true);
        await this.maintain(partitions, takeOver);
        this.bell.markAll(partitions); // safety net for a missed bell
      } else {
        if (now - lastTimers >= TIMER_EVERY_MS) {
          lastTimers = now;
          await this.fireDue(partitions, false);
        }
        if (this.registry() !== registrySeen) {
          // an application may have been resumed: its held addresses go back to the ready lists now
          registrySeen = this.registry();
          await Promise.all(partitions.map((p) => this.releaseHeld(p, registrySeen)));
        }
      }
      let claimed = 0;
      if (await this.gate.blocked()) {
        // Postgres is too far behind: let the checkpointer catch up (calls in flight still commit)
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const room = this.cfg.maxInflight - this.inflight;
      const dirty = room > 0 ? this.bell.take(partitions) : [];
      if (dirty.length > 0) {
        const per = Math.max(1, Math.min(this.cfg.claimBatch, Math.floor(room / dirty.length)));
        const use = dirty.slice(0, Math.max(1, Math.floor(room / per)));
        for (const p of dirty.slice(use.length)) this.bell.ring(p); // no room for these this round
        // Reserve before awaiting: every group of this process shares one in-flight budget.
        const reserved = per * use.length;
        this.inflight += reserved;
        const budgets = this.reserveEndpoints(use.length, per);
        try {
          const results = await Promise.all(use.map((p, i) => this.plane.claimWithin(p, per, this.cfg.maxBatch, this.cfg.leaseMs, budgets?.claims[i]).then((r) => ({ p, ...r }))));
          for (const { p, claimed: cs, waiting } of results) {
            let waited = 0;
            for (const [endpoint, n] of waiting) {
              getOrSet(this.waitingIn, endpoint, () => new Set()).add(p);
              waited += n;
            }
            if (cs.length === per || waited >= per) this.bell.ring(p); // maybe more waiting
            for (const c of cs) start(c);
            claimed += cs.length;
          }
        } finally {
          this.release(reserved - claimed);
          if (budgets) this.unreserveEndpoints(budgets);
        }
      }
      if (claimed === 0) {
        const wait = Math.min(IDLE_WAIT_MS, TIMER_EVERY_MS, Math.max(1, deadline - Date.now()));
        // Without room a bell is no reason to wake (the partition stays dirty): wait for room instead.
        if (room <= 0) await Promise.race([this.roomFreed, new Promise((r) => setTimeout(r, wait))]);
        else await this.bell.wait(mine, wait, running > 0 ? anySettled : undefined);
      }
    }
    // Addresses waiting for a call slot go back to the ready lists, for whoever holds the group next.
    await this.unwaitAll(mine);
    if (this.cfg.waitForCallsAtSliceEnd) while (running > 0) await anySettled;
    // The calls still in flight go on without the slice (the keeper extends their leases).
    return { activations };
  }

  /** One call of a claimed address, owned by the process (`inflight` was counted when the claim was reserved). */
  private startCall(deps: InvokeDeps, c: Claimed): Promise<void> {
    const endpoint = this.limitPerEndpoint > 0 ? this.endpointKeyOf(c.address) : "";
    if (endpoint) this.endpointInflight.set(endpoint, (this.endpointInflight.get(endpoint) ?? 0) + 1);
    const done = processClaimed(deps, c)
      .then(() => undefined)
      .catch((e) => {
        // Redis or bug: leave the lease to expire so the reaper requeues it; never lose the mailbox.
        this.log.error({ err: e, address: c.address }, "activation failed; the lease will expire and be retried");
      })
      .finally(() => {
        if (endpoint) this.callEnded(endpoint);
        this.release(1);
        this.active.delete(c.address);
      });
    this.active.set(c.address, { c, done });
    this.keepLeases();
    return done;
  }

  /**
   * Extends the leases of every call in flight a third of the lease apart (so an extension lands before expiry)
   * while there are any: a call may take its whole budget, minutes, long after its slice ended.
   */
  private keepLeases(): void {
    if (this.keeper) return;
    this.keeper = setTimeout(() => {
      void this.extendLeases()
        .catch((e) => this.log.warn({ err: e }, "could not extend the leases of calls in flight; retrying"))
        .finally(() => {
          this.keeper = undefined;
          if (this.active.size > 0) this.keepLeases();
        });
    }, Math.floor(this.cfg.leaseMs / 3));
    this.keeper.unref();
  }

  /** Resolves once every call in flight has ended (graceful stop: after the last slice, with the stop signal aborting them). */
  async drain(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** The per-endpoint limit, 0 when off — or when one endpoint is all there is: no other to leave room to. */
  private get limitPerEndpoint(): number {
    const l = this.cfg.maxInflightPerEndpoint;
    return l > 0 && l < this.cfg.maxInflight && this.registry().endpoints.length > 1 ? l : 0;
  }

  /** The key claim-2.lua resolves an address to: its exact type's endpoint if one binds it, else `ns/*`. */
  private endpointKeyOf(address: string): string {
    const a = parseAddress(address)!;
    return this.registry().resolve(functionTypeOf(a))?.functions ?? `${a.namespace}/*`;
  }

  /**
   * Per-endpoint budgets for a round of `m` claims of `per` addresses each, reserved (process-wide, as the
   * round's in-flight room is) until the round's claims are back: each endpoint's room under the limit — and
   * the room of endpoints with nothing in flight — is split between the m claims, so claims running at once, in
   * this group or another, never together pass the limit.
   */
  private reserveEndpoints(m: number, per: number): { claims: Array<ClaimBudget | undefined>; endpoints: Map<string, number>; other: number } | undefined {
    const limit = this.limitPerEndpoint;
    if (limit === 0) return undefined;
    const room = new Map<string, number>();
    for (const e of new Set([...this.endpointInflight.keys(), ...this.endpointReserved.keys()]))
      room.set(e, Math.max(0, limit - (this.endpointInflight.get(e) ?? 0) - (this.endpointReserved.get(e) ?? 0)));
    const otherRoom = Math.max(0, limit - this.otherReserved);
    const claims: Array<ClaimBudget | undefined> = [];
    const reserved = new Map<string, number>();
    let other = 0;
    const registry = this.registry();
    for (let i = 0; i < m; i++) {
      const b: ClaimBudget = { other: Math.min(per, share(otherRoom, m, i)), endpoints: [], exact: [] };
      other += b.other;
      let binds = b.other < per;
      for (const [e, r] of room) {
        const n = Math.min(per, share(r, m, i));
        reserved.set(e, (reserved.get(e) ?? 0) + n);
        if (n !== b.other) b.endpoints.push([e, n]);
        if (n < per) binds = true;
      }
      if (binds) {
        const namespaces = new Set(b.endpoints.map(([e]) => e.slice(0, e.indexOf("/"))));
        b.exact = registry.endpoints.filter((e) => e.typeName !== null && namespaces.has(e.namespace)).map((e) => e.functions);
      }
      // a claim takes at most `per` addresses: a budget of `per` for every endpoint cannot bind, so the script skips it
      claims.push(binds ? b : undefined);
    }
    for (const [e, n] of reserved) this.endpointReserved.set(e, (this.endpointReserved.get(e) ?? 0) + n);
    this.otherReserved += other;
    return { claims, endpoints: reserved, other };
  }

  private unreserveEndpoints(r: { endpoints: Map<string, number>; other: number }): void {
    for (const [e, n] of r.endpoints) {
      const left = (this.endpointReserved.get(e) ?? 0) - n;
      if (left > 0) this.endpointReserved.set(e, left);
      else this.endpointReserved.delete(e);
    }
    this.otherReserved -= r.other;
    for (const e of this.waitingIn.keys()) this.releaseWaiting(e);
  }

  private callEnded(endpoint: string): void {
    const n = (this.endpointInflight.get(endpoint) ?? 1) - 1;
    if (n > 0) this.endpointInflight.set(endpoint, n);
    else this.endpointInflight.delete(endpoint);
    this.releaseWaiting(endpoint);
  }

  /**
   * Addresses of `endpoint` waiting for a call slot go back to the ready lists, as many as it has room for —
   * once that room is an eighth of the limit (or nothing of it is in flight), so they come back in batches.
   */
  private releaseWaiting(endpoint: string): void {
    const where = this.waitingIn.get(endpoint);
    if (!where || this.releasing.has(endpoint)) return;
    // the limit is off now (one endpoint left, or none configured): everything waiting goes back
    const limit = this.limitPerEndpoint || Infinity;
    const inflight = this.endpointInflight.get(endpoint) ?? 0;
    let room = limit - inflight - (this.endpointReserved.get(endpoint) ?? 0);
    if (room <= 0 || (room < Math.max(1, Math.floor(limit / 8)) && inflight > 0)) return;
    this.releasing.add(endpoint);
    void (async () => {
      for (const p of [...where]) {
        if (room <= 0) break;
        const ask = Number.isFinite(room) ? room : 0;
        const moved = await this.plane.unwait(p, endpoint, ask);
        if (ask === 0 || moved < ask) where.delete(p); // its waiting list is empty now
        room -= moved;
      }
      if (where.size === 0) this.waitingIn.delete(endpoint);
    })()
      .catch((e) => this.log.warn({ err: e, endpoint }, "could not give waiting addresses back; the next slice of their group does"))
      .finally(() => this.releasing.delete(endpoint));
  }

  /** Every address of `partitions` waiting for a call slot goes back to its ready list. */
  private async unwaitAll(partitions: Set<number>): Promise<void> {
    const jobs: Array<Promise<number>> = [];
    for (const [endpoint, where] of this.waitingIn) {
      for (const p of where)
        if (partitions.has(p)) {
          where.delete(p);
          jobs.push(this.plane.unwait(p, endpoint, 0));
        }
      if (where.size === 0) this.waitingIn.delete(endpoint);
    }
    await Promise.all(jobs);
  }

  private async extendLeases(): Promise<void> {
    const byPartition = new Map<number, Array<[string, string]>>();
    for (const { c } of this.active.values()) getOrSet(byPartition, c.partition, () => []).push([c.address, c.token]);
    await Promise.all([...byPartition].map(([p, held]) => this.plane.extend(p, this.cfg.leaseMs, held)));
  }

  /** Held addresses whose function type is no longer paused go back to the ready list. */
  private async releaseHeld(p: number, reg: RegistrySnapshot): Promise<void> {
    const held = await this.plane.redis.hgetall(this.plane.keys.held(p));
    const release = Object.entries(held)
      .filter(([, ftype]) => !reg.resolve(ftype)?.paused)
      .map(([addr]) => addr);
    await this.plane.unhold(p, release);
  }

  /** `takeOver` (a slice's first sweep): addresses left waiting for a call slot by an earlier holder go back too. */
  private async maintain(partitions: number[], takeOver: boolean): Promise<void> {
    const reg = this.registry();
    if (takeOver) for (const where of this.waitingIn.values()) for (const p of partitions) where.delete(p);
    await Promise.all(
      partitions.map(async (p) => {
        await this.plane.reap(p, 500, takeOver);
        await this.releaseHeld(p, reg);
      }),
    );
  }
}
