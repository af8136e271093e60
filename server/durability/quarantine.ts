import { createHash } from "node:crypto";
import type pg from "pg";
import type { Db } from "../db";
import { printable } from "../contracts/names";
import type { ChangeFold } from "./changelog";
import { unitOfTimer } from "./changelog";
import { addressParams, applyChanges } from "./checkpoint-store";

/**
 * The checkpoint's quarantine (docs/DESIGN.md §4's "never stop the world"): the changes of an address that Postgres
 * cannot store or refuses are set aside in `cp_quarantine`, and the rest of the round is applied, so one bad
 * address never stops every application's checkpoint (and with it, through the lag gate, all dispatch). The
 * data plane in Redis keeps the address's live state: only its durable copy is missing, and the row says so.
 *
 * Names are checked at every way in (server/contracts/names.ts); this is the defence below them.
 */

export interface Quarantined {
  /** The address (or, for a state spec, the function type) whose changes were set aside. */
  unit: string;
  error: string;
}

/** Postgres text holds no NUL: a unit naming one (or a state name holding one) is set aside before the round. */
export function unstorableUnits(fold: ChangeFold): Quarantined[] {
  const out = new Map<string, string>();
  const nul = (unit: string, text: string, what: string) => {
    if (!out.has(unit) && text.includes("\0")) out.set(unit, `${what} "${printable(text, 200)}" holds a NUL character, which Postgres text cannot store`);
  };
  // every round runs this: the units are visited where they are, not collected into a set first
  fold.forEachUnit((u) => nul(u, u, u.includes("/") ? "the address" : "the name"));
  for (const v of fold.values.values()) nul(v.address, v.name, "the state name");
  for (const x of fold.specs.values()) nul(x.functionType, x.name, "the declared state name");
  return [...out].map(([unit, error]) => ({ unit, error }));
}

/** SQLSTATE classes of a refusal by the data itself (22 data exception, 23 integrity, 54 program limit such as an index row size). */
export function refusedByData(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

/**
 * Finds the units whose changes Postgres refuses, by bisection under savepoints in the caller's transaction
 * (nothing tried here is kept): log₂(units) trials per refused unit. Empty when no unit alone is refused (the
 * refusal comes from changes together): the caller then fails the round as before.
 */
export async function isolateRefused(c: pg.PoolClient, fold: ChangeFold): Promise<Quarantined[]> {
  const found: Quarantined[] = [];
  const attempt = async (units: string[]): Promise<string | null> => {
    const set = new Set(units);
    const { kept } = fold.split((u) => set.has(u));
    await c.query("SAVEPOINT quarantine_trial");
    try {
      await applyChanges(c, kept, addressParams(kept));
      return null;
    } catch (e) {
      if (!refusedByData(e)) throw e;
      return e.message;
    } finally {
      await c.query("ROLLBACK TO SAVEPOINT quarantine_trial");
    }
  };
  const search = async (units: string[], error: string): Promise<void> => {
    if (units.length === 1) {
      found.push({ unit: units[0], error: `Postgres refused the change: ${error}` });
      return;
    }
    const half = Math.ceil(units.length / 2);
    for (const part of [units.slice(0, half), units.slice(half)]) {
      const e = await attempt(part);
      if (e !== null) await search(part, e);
    }
  };
  const units = [...fold.units()].sort();
  const e = await attempt(units);
  if (e !== null) await search(units, e);
  return found;
}

/** What a quarantined unit's changes were: counts, and the mailbox entries appended (kept, so nothing is lost). */
function changesOf(fold: ChangeFold, unit: string) {
  const values = [...fold.values.values()].filter((v) => v.address === unit);
  const a = fold.addresses.get(unit) ?? fold.restores.get(unit);
  return {
    summary: {
      version: a?.version ?? null,
      written: values.filter((v) => v.value !== null).map((v) => printable(v.name, 200)),
      deleted: values.filter((v) => v.value === null).map((v) => printable(v.name, 200)),
      messagesAppended: fold.appends.filter((x) => x.address === unit).length,
      messagesConsumed: fold.consumed.get(unit) ?? 0,
      timersSet: [...fold.timersSet.values()].filter((t) => unitOfTimer(t.id) === unit).length,
      timersRemoved: [...fold.timersRemoved.values()].filter((t) => unitOfTimer(t.id) === unit).length,
      specs: [...fold.specs.values()].filter((x) => x.functionType === unit).map((x) => printable(x.name, 200)),
      restoredFrom: fold.restores.get(unit)?.savepointId ?? null,
    },
    messages: fold.appends.filter((x) => x.address === unit).map((x) => x.entry),
  };
}

/** Records the set-aside units of a round (in its transaction): one row per unit, counted again each round it recurs. */
export async function recordQuarantine(c: pg.PoolClient, left: ChangeFold, units: Quarantined[], from: number, to: number): Promise<void> {
  for (const q of units) {
    const bytes = Buffer.from(q.unit, "utf8");
    const { summary, messages } = changesOf(left, q.unit);
    await c.query(
      `INSERT INTO cp_quarantine (key_hash, address, address_bytes, error, first_seq, last_seq, changes, messages)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (key_hash) DO UPDATE SET error = EXCLUDED.error, last_seq = EXCLUDED.last_seq, rounds = cp_quarantine.rounds + 1,
         changes = EXCLUDED.changes, messages = cp_quarantine.messages || EXCLUDED.messages, last_at = now()`,
      [createHash("sha256").update(bytes).digest(), printable(q.unit, 4000), bytes, q.error.replace(/\0/g, "\\u0000"), from + 1, to, JSON.stringify(summary), messages],
    );
  }
}

export interface QuarantineView {
  /** Units in quarantine. */
  count: number;
  /** The most recent ones. */
  recent: Array<{ address: string; error: string; rounds: number; firstSeq: number; lastSeq: number; firstAt: string; lastAt: string; changes: unknown }>;
}

/** GET /api/health's detail: how many units are in quarantine, and the most recent. */
export async function readQuarantine(db: Db, limit = 20): Promise<QuarantineView> {
  const [count, rows] = await Promise.all([db.checkpointQuarantine.count(), db.checkpointQuarantine.findMany({ orderBy: [{ lastAt: "desc" }, { id: "desc" }], take: limit })]);
  return {
    count,
    recent: rows.map((r) => ({
      address: r.address,
      error: r.error,
      rounds: r.rounds,
      firstSeq: Number(r.firstSeq),
      lastSeq: Number(r.lastSeq),
      firstAt: r.firstAt.toISOString(),
      lastAt: r.lastAt.toISOString(),
      changes: r.changes,
    })),
  };
}
