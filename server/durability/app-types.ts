import type pg from "pg";
import type { RegistrySnapshot } from "../registry/registry-snapshot";

// The distinct types by skipping along each table's index (one lookup per type), not by reading every row:
// 3.5 ms instead of 112 ms over a million addresses.
const distinct = (table: string, col: string) =>
  `${table}_t AS (SELECT min(${col}) AS t FROM ${table} UNION ALL SELECT (SELECT min(${col}) FROM ${table} WHERE ${col} > x.t) FROM ${table}_t x WHERE x.t IS NOT NULL)`;

/** Every function type in the checkpoint (state, mailboxes, delayed-message senders), one row `t` each. */
export const CHECKPOINT_TYPES_SQL = `WITH RECURSIVE ${distinct("cp_address", "function_type")}, ${distinct("cp_message", "function_type")}, ${distinct("cp_timer", "sender_type")}
  SELECT t FROM cp_address_t WHERE t IS NOT NULL UNION SELECT t FROM cp_message_t WHERE t IS NOT NULL UNION SELECT t FROM cp_timer_t WHERE t IS NOT NULL`;

/**
 * The function types whose addresses belong to an application: every type present in the checkpoint (state,
 * mailboxes, delayed-message senders) that the registry resolves to one of its endpoints (exact beats
 * namespace wildcard, as for routing).
 */
export async function applicationTypes(q: pg.PoolClient | pg.Pool, registry: RegistrySnapshot, application: string, extra: string[] = []): Promise<string[]> {
  const r = await q.query<{ t: string }>(CHECKPOINT_TYPES_SQL);
  const types = new Set([...r.rows.map((x) => x.t), ...extra]);
  return [...types].filter((t) => registry.resolve(t)?.application === application).sort();
}
