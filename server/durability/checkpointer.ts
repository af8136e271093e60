import type pg from "pg";
import type { Logger } from "../logger";
import type { Redis } from "../redis";
import type { Partitioning } from "../dispatch/keys";
import { inTransaction } from "../pg";
import { ChangeFold } from "./changelog";
import { addressParams, applyChanges, lockCursor, moveCursor, readCursor } from "./checkpoint-store";
import { isolateRefused, recordQuarantine, refusedByData, unstorableUnits, type Quarantined } from "./quarantine";
import { checkpointStatusKey } from "./lag";

export interface CheckpointerConfig {
  /** Sequence numbers (changes) per round. */
  batch: number;
  /** Drained entries kept per partition (the history API reads them); older ones are trimmed. */
  retain: number;
}

export interface RoundResult {
  /** Changelog entries applied. */
  entries: number;
  /** The cursor after the round (every change with sequence ≤ it is in Postgres). */
  seq: number;
  /** More was pending than one round reads. */
  more: boolean;
  /** Redis's global sequence is behind the checkpoint: Redis came back with older data (an old AOF or RDB). */
  regressed?: boolean;
}

/**
 * Drains every partition's changelog stream into Postgres, one consistent cut per round: it reads the global
 * sequence G, reads every partition's entries in (cursor, G], folds them and applies them in one transaction
 * that also moves the cursor to G — so Postgres always equals the data plane as of one sequence number, and a
 * savepoint is any snapshot of it. Streams are trimmed only after COMMIT, and only entries ≤ the cursor; a
 * crash between COMMIT and trim replays nothing (the next round starts after the cursor).
 */
export class Checkpointer {
  /** Per partition: ids drained and still in the stream, oldest first (bounded by `retain`). */
  private readonly kept = new Map<number, string[]>();
  private cursor: number | null = null;
  /**
   * Sequence numbers per round, adapted to what a round holds: a sequence is one commit (a few rows) or one
   * ingress batch or rollback (thousands), so the budget halves when a round was big or slow and doubles back.
   */
  private budget: number;

  constructor(
    private readonly redis: Redis,
    private readonly pool: pg.Pool,
    private readonly keys: Partitioning,
    private readonly log: Logger,
    private readonly cfg: CheckpointerConfig,
  ) {
    this.budget = Math.min(cfg.batch, START_BUDGET);
  }

  /** The next range, read and folded while the current one is applied (changelog entries never change once written). */
  private prefetched: { from: number; read: Promise<Range> } | null = null;

  async round(): Promise<RoundResult> {
    const from = this.cursor ?? (await readCursor(this.pool))?.seq ?? 0;
    const r = this.prefetched?.from === from ? await this.prefetched.read : await this.read(from);
    this.prefetched = null;
    if (r.G < from) return { entries: 0, seq: from, more: false, regressed: true };
    if (r.G === from) {
      this.cursor = from;
      await this.publish(from, r.startedAt, 0);
      return { entries: 0, seq: from, more: false };
    }
    if (r.cut < r.G) {
      const next = this.read(r.cut);
      next.catch(() => undefined);
      this.prefetched = { from: r.cut, read: next };
    }
    const apply = (refused: [Error] | null) =>
      inTransaction(this.pool, async (c) => {
        if (!(await lockCursor(c, from))) throw new CursorMoved();
        let { fold, addresses } = r;
        let units = r.quarantined.units;
        if (units.length) await recordQuarantine(c, r.quarantined.left, units, from, r.cut);
        if (refused) {
          // Postgres refused the round: find the addresses it refuses, set them aside too, apply the rest
          const more = await isolateRefused(c, fold);
          if (more.length === 0) throw refused[0];
          const set = new Set(more.map((q) => q.unit));
          const { kept, left } = fold.split((u) => !set.has(u));
          await recordQuarantine(c, left, more, from, r.cut);
          fold = kept;
          addresses = addressParams(kept);
          units = [...units, ...more];
        }
        await applyChanges(c, fold, addresses);
        await moveCursor(c, r.cut);
        return units;
      });
    const quarantined = await apply(null)
      .catch((e) => {
        if (!refusedByData(e)) throw e;
        this.log.error({ err: e, from, to: r.cut }, "Postgres refused a checkpoint round; setting aside the addresses it refuses");
        return apply([e]);
      })
      .catch((e) => {
        this.prefetched = null;
        if (e instanceof CursorMoved) return false as const;
        throw e;
      });
    const ok = quarantined !== false;
    if (ok && quarantined.length) {
      this.log.error({ addresses: quarantined.map((q) => q.unit), errors: quarantined.map((q) => q.error) }, "checkpoint: changes set aside in cp_quarantine");
      await this.redis.hincrby(checkpointStatusKey(this.keys.prefix), "quarantined", quarantined.length);
    }
    if (!ok) {
      // another checkpointer applied this range: start again from the cursor in Postgres
      this.cursor = null;
      this.log.warn({ from }, "checkpoint cursor moved under this checkpointer; re-reading it");
      return { entries: 0, seq: from, more: true };
    }
    this.cursor = r.cut;
    // a rollback's addresses are copied set-wise inside Postgres: big rounds of them are cheaper than many small ones
    this.adapt(r.fold.size - r.fold.restores.size);
    await this.trim(r.drained);
    await this.publish(r.cut, Number.isFinite(r.oldestPending) ? r.oldestPending : r.startedAt, r.G - r.cut);
    return { entries: r.fold.entries, seq: r.cut, more: r.cut < r.G };
  }

  /**
   * Reads and folds the changes after `from`: at most `batch` sequence numbers, read whole from every partition —
   * however the changes are spread over partitions, each round moves the cursor by its full budget.
   */
  private async read(from: number): Promise<Range> {
    const startedAt = Date.now();
    const G = Number((await this.redis.get(this.keys.seq)) ?? 0);
    let fold = new ChangeFold();
    const drained: Array<[number, string[]]> = [];
    const none = { units: [], left: new ChangeFold() };
    if (G <= from) return { G, cut: from, fold, addresses: addressParams(fold), quarantined: none, drained, oldestPending: Infinity, startedAt };
    const cut = Math.min(G, from + this.budget);
    const P = this.keys.partitions;
    const pipe = this.redis.pipeline();
    for (let p = 0; p < P; p++) pipe.xrangeBuffer(this.keys.changelog(p), String(from + 1), String(cut));
    const res = (await pipe.exec()) ?? [];
    res.forEach(([err, r], p) => {
      if (err) throw err;
      const ids: string[] = [];
      for (const [idBuf, fields] of r as Array<[Buffer, Buffer[]]>) {
        const id = idBuf.toString();
        fold.add(p, id, fields);
        ids.push(id);
      }
      if (ids.length) drained.push([p, ids]);
    });
    // the oldest change left for a later round: the first entry after the cut (its time), else none
    let oldestPending = Infinity;
    if (cut < G) {
      const next = await this.redis.pipeline(Array.from({ length: P }, (_, p) => ["xrange", this.keys.changelog(p), String(cut + 1), "+", "COUNT", "1"])).exec();
      for (const [, r] of next ?? []) for (const [, fields] of r as Array<[string, string[]]>) oldestPending = Math.min(oldestPending, Number(fields[fields.indexOf("at") + 1]) || startedAt);
    }
    // what Postgres cannot store is set aside before the round is tried (names are checked at every way in; this is below them)
    const bad = unstorableUnits(fold);
    let quarantined: Range["quarantined"] = none;
    if (bad.length) {
      const set = new Set(bad.map((q) => q.unit));
      const { kept, left } = fold.split((u) => !set.has(u));
      fold = kept;
      quarantined = { units: bad, left };
    }
    return { G, cut, fold, addresses: addressParams(fold), quarantined, drained, oldestPending, startedAt };
  }

  /** By rows, not time: a slow round with few rows has a fixed cost that a smaller budget would only repeat more often. */
  private adapt(rows: number): void {
    if (rows > ROUND_ROWS) this.budget = Math.min(this.cfg.batch, Math.max(MIN_BUDGET, Math.floor(this.budget / 2)));
    else if (rows < ROUND_ROWS / 4) this.budget = Math.min(this.cfg.batch, this.budget * 2);
  }

  /** Keeps the newest `retain` drained entries per partition for the history API; trims the rest. */
  private async trim(drained: Array<[number, string[]]>): Promise<void> {
    const pipe = this.redis.pipeline();
    let n = 0;
    for (const [p, ids] of drained) {
      const kept = this.kept.get(p) ?? [];
      kept.push(...ids);
      if (kept.length > this.cfg.retain) {
        kept.splice(0, kept.length - this.cfg.retain);
        // every entry below the oldest kept one is drained (kept holds drained ids only)
        const minId = kept[0] ?? nextId(ids[ids.length - 1]);
        pipe.xtrim(this.keys.changelog(p), "MINID", minId);
        n++;
      }
      this.kept.set(p, kept);
    }
    if (n) await pipe.exec();
  }

  /** What the lag gate and /api/health read: the cursor, and since when changes have been waiting for Postgres. */
  private async publish(seq: number, pendingSince: number, pending: number): Promise<void> {
    await this.redis.hset(checkpointStatusKey(this.keys.prefix), "seq", seq, "since", pendingSince, "pending", pending, "at", Date.now());
  }
}

/** What one round should hold at most: rows changed in Postgres. It starts small and grows while rounds are small. */
const ROUND_ROWS = 50_000;
const START_BUDGET = 1_024;
const MIN_BUDGET = 64;

class CursorMoved extends Error {}

interface Range {
  /** The global sequence when the range was read. */
  G: number;
  cut: number;
  fold: ChangeFold;
  /** The fold's address rows as statement parameters, serialized while the round before is applied. */
  addresses: string[];
  /** Units set aside (cp_quarantine) and their changes, no longer in `fold`. */
  quarantined: { units: Quarantined[]; left: ChangeFold };
  drained: Array<[number, string[]]>;
  oldestPending: number;
  startedAt: number;
}

/** The smallest stream id after `id`. */
function nextId(id: string): string {
  const dash = id.indexOf("-");
  return `${id.slice(0, dash)}-${Number(id.slice(dash + 1)) + 1}`;
}

