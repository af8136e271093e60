import type { Logger } from "../logger";
import type { RegistrySnapshot } from "../registry/registry-snapshot";
import type { Bell } from "./bell";
import type { Claimed, DataPlane } from "./data-plane";
import { processClaimed, type DispatchObserver } from "./invoke";
import type { SpecCache } from "./spec-cache";
import { LagGate } from "../durability/lag";
import { getOrSet } from "../collections";

export interface RunnerConfig {
  claimBatch: number;
  maxBatch: number;
  leaseMs: number;
  maxInflight: number;
  /** CHECKPOINT_LAG_CAP_MS: claiming pauses while Postgres lags further behind (0: never). */
  lagCapMs: number;
}

const TIMER_EVERY_MS = 50;
const IDLE_WAIT_MS = 250;

/**
 * How often a group's partitions are swept: expired leases reaped, leases of calls in flight extended, every
 * partition's timers and ready list polled (safety nets for timers another process wrote and for a missed
 * bell). A third of the lease, so an extension always lands before expiry, within 1–5 s: each sweep is a few
 * Redis calls per partition (256 by default), paid under load as well as idle. Held addresses are also
 * released at once when the registry changes (an application resumed).
 */
export const maintenanceEveryMs = (leaseMs: number) => Math.min(5_000, Math.max(1_000, Math.floor(leaseMs / 3)));

/**
 * Drains the ready addresses of one partition group for a time slice: claim → call → commit, many addresses
 * concurrently, one call per address. Between claims it fires due timers, reaps expired leases, extends the
 * leases of calls still in flight and releases held addresses whose application was resumed.
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
    const active = new Map<string, { c: Claimed; done: Promise<void> }>();
    let activations = 0;
    let lastTimers = 0;
    let lastMaintenance = 0;
    const maintenanceMs = maintenanceEveryMs(this.cfg.leaseMs);
    let registrySeen = this.registry();
    this.bell.markAll(partitions);
    let settled: () => void = () => undefined;
    let anySettled = new Promise<void>((r) => (settled = r));
    const deps = { plane: this.plane, registry: this.registry, specs: this.specs, log: this.log, observer: this.observer, signal };

    // `inflight` was already counted when the claim was reserved
    const start = (c: Claimed) => {
      activations++;
      const done = processClaimed(deps, c)
        .then(() => undefined)
        .catch((e) => {
          // Redis or bug: leave the lease to expire so the reaper requeues it; never lose the mailbox.
          this.log.error({ err: e, address: c.address }, "activation failed; the lease will expire and be retried");
        })
        .finally(() => {
          this.release(1);
          active.delete(c.address);
          settled();
          anySettled = new Promise<void>((r) => (settled = r));
        });
      active.set(c.address, { c, done });
    };

    while (Date.now() < deadline && !signal.aborted) {
      const now = Date.now();
      if (now - lastMaintenance >= maintenanceMs) {
        lastMaintenance = now;
        lastTimers = now;
        registrySeen = this.registry();
        await this.fireDue(partitions, true);
        await this.maintain(partitions, active);
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
        try {
          const results = await Promise.all(use.map((p) => this.plane.claim(p, per, this.cfg.maxBatch, this.cfg.leaseMs).then((cs) => ({ p, cs }))));
          for (const { p, cs } of results) {
            if (cs.length === per) this.bell.ring(p); // maybe more waiting
            for (const c of cs) start(c);
            claimed += cs.length;
          }
        } finally {
          this.release(reserved - claimed);
        }
      }
      if (claimed === 0) {
        const wait = Math.min(IDLE_WAIT_MS, TIMER_EVERY_MS, Math.max(1, deadline - Date.now()));
        // Without room a bell is no reason to wake (the partition stays dirty): wait for room instead.
        if (room <= 0) await Promise.race([this.roomFreed, new Promise((r) => setTimeout(r, wait))]);
        else await this.bell.wait(mine, wait, active.size > 0 ? anySettled : undefined);
      }
    }
    // Let the calls in flight finish and commit; keep their leases alive meanwhile (a call may take minutes).
    while (active.size > 0) {
      await Promise.race([anySettled, new Promise((r) => setTimeout(r, this.cfg.leaseMs / 3))]);
      if (active.size > 0) await this.extendLeases(active);
    }
    return { activations };
  }

  private async extendLeases(active: Map<string, { c: Claimed }>): Promise<void> {
    const byPartition = new Map<number, Array<[string, string]>>();
    for (const { c } of active.values()) getOrSet(byPartition, c.partition, () => []).push([c.address, c.token]);
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

  private async maintain(partitions: number[], active: Map<string, { c: Claimed }>): Promise<void> {
    const reg = this.registry();
    await this.extendLeases(active);
    await Promise.all(
      partitions.map(async (p) => {
        await this.plane.reap(p);
        await this.releaseHeld(p, reg);
      }),
    );
  }
}
