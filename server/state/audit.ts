import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";
import { recordAudit, type AuditEntry } from "../audit/audit";

/**
 * Audit for a data-plane change. Redis and Postgres share no transaction, so the row is written in its own
 * Postgres transaction right AFTER the Redis script succeeded: a change is never audited without having
 * happened. If Postgres fails at that moment the change stands un-audited; we log it loudly and report
 * `audited: false` instead of an error, since answering 5xx would invite a retry of a change already applied.
 */
export async function auditAfterWrite(ctx: Ctx, actor: Principal, entry: AuditEntry): Promise<boolean> {
  try {
    await ctx.db.$transaction((tx) => recordAudit(tx, actor, entry));
    return true;
  } catch (err) {
    ctx.log.error({ err, action: entry.action, target: entry.target }, "the change is applied but its audit row could not be written");
    return false;
  }
}
