import type { Principal } from "../contracts/auth";
import type { BindingConflict } from "../contracts/registry";
import type { Ctx } from "../context";
import type { Db, Tx } from "../db";
import { AppError } from "../errors";
import { recordAudit } from "../audit/audit";
import { toEndpointRecord } from "./dto";
import { toEndpointSpec } from "./endpoint-spec";
import { checkpointTypes } from "./seen-types";

/** A `functions` pattern an application is about to bind (new to it: an unchanged pattern takes nothing). */
export interface NewBinding {
  functions: string;
  namespace: string;
  typeName: string | null;
}

type Conflict = BindingConflict & { removedSpec?: Record<string, unknown> };

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/**
 * The function types `patterns` would take from other applications, whose savepoints and rollbacks cover the
 * types the registry resolves to them (exact beats wildcard):
 * - an exact `ns/name` under another application's `ns/*` takes `ns/name` from it at once;
 * - a `ns/*` over another application's exact `ns/name` endpoints takes those types the moment such an endpoint
 *   goes, so it is refused too, and a move removes those endpoints.
 * The same pattern in another application is 409 `already-exists` (a pattern is bound once; nothing to move).
 * Namespaces are locked for the transaction, so two requests cannot both pass the check.
 */
export async function findBindingConflicts(ctx: Ctx, tx: Tx | Db, applicationId: string, patterns: NewBinding[]): Promise<Conflict[]> {
  if (patterns.length === 0) return [];
  for (const ns of [...new Set(patterns.map((p) => p.namespace))].sort())
    await tx.$queryRawUnsafe(`SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) l`, `statehouse:bind:${ns}`);

  const others = { applicationId: { not: applicationId } };
  const same = await tx.functionEndpoint.findMany({ where: { ...others, functions: { in: patterns.map((p) => p.functions) } }, include: { application: true } });
  if (same.length) {
    const which = same.map((e) => `${e.functions} (application "${e.application.name}")`).join(", ");
    throw new AppError("already-exists", `already bound by another application: ${which}; a pattern is bound once: change or delete that endpoint first`, {
      bound: same.map((e) => ({ functions: e.functions, application: e.application.name, endpointId: e.id })),
    });
  }

  const exact = patterns.filter((p) => p.typeName !== null);
  const wild = patterns.filter((p) => p.typeName === null);
  const [wildcards, exacts] = await Promise.all([
    exact.length ? tx.functionEndpoint.findMany({ where: { ...others, functions: { in: exact.map((p) => `${p.namespace}/*`) } }, include: { application: true } }) : [],
    wild.length ? tx.functionEndpoint.findMany({ where: { ...others, namespace: { in: wild.map((p) => p.namespace) }, typeName: { not: null } }, include: { application: true } }) : [],
  ]);
  const out: Conflict[] = [];
  for (const p of exact)
    for (const e of wildcards.filter((w) => w.namespace === p.namespace))
      out.push({ functions: p.functions, application: e.application.name, endpointId: e.id, pattern: e.functions, functionTypes: [p.functions], seen: [], removesEndpoint: false });
  for (const p of wild)
    for (const e of exacts.filter((x) => x.namespace === p.namespace))
      out.push({
        functions: p.functions,
        application: e.application.name,
        endpointId: e.id,
        pattern: e.functions,
        functionTypes: [e.functions],
        seen: [],
        removesEndpoint: true,
        removedSpec: { id: e.id, ...toEndpointSpec(toEndpointRecord(e)) },
      });
  if (out.length === 0) return out;
  const seen = await checkpointTypes(ctx);
  for (const c of out) c.seen = c.functionTypes.filter((t) => seen.has(t));
  return out.sort((a, b) => a.functions.localeCompare(b.functions) || a.pattern.localeCompare(b.pattern));
}

const publicConflict = ({ removedSpec: _r, ...c }: Conflict): BindingConflict => c;

/** What a 409 says: which application binds which types, and what a move would do. */
export function conflictMessage(conflicts: BindingConflict[], appName: string): string {
  const types = conflicts.flatMap((c) => c.functionTypes);
  const which = conflicts
    .map((c) => `${c.functionTypes.join(", ")} (application "${c.application}", endpoint ${c.pattern}${c.removesEndpoint ? ", which a move removes" : ""})`)
    .join("; ");
  const them = plural(types.length, "it", "them");
  return (
    `${plural(types.length, "a function type", "function types")} bound by another application: ${which}. ` +
    `Binding ${them} here moves ${them}, with ${plural(types.length, "its", "their")} savepoints and rollbacks, to application "${appName}"; ` +
    `send the request again with ?move=true to move ${them}`
  );
}

/** Without `move`, conflicts are refused: 409 function-type-bound-elsewhere, the conflicts in its details. */
export function refuseUnlessMove(conflicts: Conflict[], appName: string, move: boolean): BindingConflict[] {
  const details = conflicts.map(publicConflict);
  if (details.length && !move) throw new AppError("function-type-bound-elsewhere", conflictMessage(details, appName), { conflicts: details });
  return details;
}

/**
 * refuseUnlessMove, then the move: removes the endpoints it replaces and audits one `function-type.move` per
 * type, in the caller's transaction.
 */
export async function refuseOrMove(tx: Tx, actor: Principal, appName: string, conflicts: Conflict[], move: boolean): Promise<BindingConflict[]> {
  const details = refuseUnlessMove(conflicts, appName, move);
  for (const c of conflicts) {
    if (c.removesEndpoint) await tx.functionEndpoint.delete({ where: { id: c.endpointId } });
    for (const functionType of c.functionTypes)
      await recordAudit(tx, actor, {
        action: "function-type.move",
        targetType: "function-type",
        target: functionType,
        before: { application: c.application, endpoint: c.pattern, ...(c.removedSpec ? { removedEndpoint: c.removedSpec } : {}) },
        after: { application: appName, endpoint: c.functions },
      });
  }
  return details;
}
