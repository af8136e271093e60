import type { Principal } from "../contracts/auth";
import type { ModuleDiff } from "../contracts/registry";
import type { Ctx } from "../context";
import type { Tx } from "../db";
import { Prisma } from "../generated/prisma/client.ts";
import { AppError } from "../errors";
import { isUniqueViolation } from "../db-errors";
import { recordAudit } from "../audit/audit";
import { findApplication, registryMutation } from "./applications";
import { toEndpointRecord } from "./dto";
import { parseModuleYaml, type ParsedModule } from "./module/parse-module";
import { emitModuleYaml } from "./module/emit-module";
import { diffModule } from "./module/diff-module";
import { hostPolicyOf } from "../net/host-policy";
import { findBindingConflicts, refuseOrMove, refuseUnlessMove } from "./binding-conflicts";

async function currentModule(tx: Tx | Ctx["db"], applicationId: string): Promise<ParsedModule> {
  const [endpoints, ingresses, egresses] = await Promise.all([
    tx.functionEndpoint.findMany({ where: { applicationId }, orderBy: { functions: "asc" } }),
    tx.ingress.findMany({ where: { applicationId }, orderBy: { ingressId: "asc" } }),
    tx.egress.findMany({ where: { applicationId }, orderBy: { egressId: "asc" } }),
  ]);
  return {
    endpoints: endpoints.map(toEndpointRecord),
    ingresses: ingresses.map((i) => ({ id: i.ingressId, kind: i.kind, spec: i.spec as Record<string, unknown> })),
    egresses: egresses.map((e) => ({ id: e.egressId, kind: e.kind, spec: e.spec as Record<string, unknown> })),
  };
}

export async function exportModule(ctx: Ctx, appName: string): Promise<string> {
  const app = await findApplication(ctx.db, appName);
  const m = await currentModule(ctx.db, app.id);
  return `# StateFun module (format 3.1) exported by Statehouse from application "${app.name}"\n${emitModuleYaml(m)}`;
}

/** The module's endpoints whose patterns the application does not bind yet: only these can take types from others. */
const newBindings = (current: ParsedModule, next: ParsedModule) => next.endpoints.filter((e) => !current.endpoints.some((c) => c.functions === e.functions));

/**
 * Replaces the application's endpoints, ingresses and egresses with the module's. Endpoints are matched by
 * their `functions` pattern, so an unchanged endpoint keeps its id and what its probe learned. A new pattern
 * that would take function types another application binds is refused (409 function-type-bound-elsewhere, on
 * a dry run too) unless `move`.
 */
export async function importModule(ctx: Ctx, actor: Principal, appName: string, yamlText: string, dryRun: boolean, move = false): Promise<ModuleDiff> {
  if (yamlText.trim() === "") throw new AppError("invalid-module", "the module is empty; send a StateFun module YAML (format 3.1) as the body");
  const next = parseModuleYaml(yamlText, hostPolicyOf(ctx.env));
  // An empty module would silently unbind every function of the application; deleting endpoints is explicit.
  if (next.endpoints.length + next.ingresses.length + next.egresses.length === 0)
    throw new AppError("invalid-module", "the module declares no components; send `kind:`/`spec:` documents (format 3.1), or delete endpoints one by one");
  const app = await findApplication(ctx.db, appName);
  // A dry run refuses what applying would: bindings held by another application too, not only the YAML.
  if (dryRun) {
    const current = await currentModule(ctx.db, app.id);
    const moves = refuseUnlessMove(await findBindingConflicts(ctx, ctx.db, app.id, newBindings(current, next)), app.name, move);
    return { applied: false, ...diffModule(current, next), ...(move ? { moves } : {}) };
  }
  try {
    return await registryMutation(ctx, async (tx) => {
      const current = await currentModule(tx, app.id);
      const moves = await refuseOrMove(tx, actor, app.name, await findBindingConflicts(ctx, tx, app.id, newBindings(current, next)), move);
      const diff = diffModule(current, next);
      const keep = next.endpoints.map((e) => e.functions);
      await tx.functionEndpoint.deleteMany({ where: { applicationId: app.id, functions: { notIn: keep } } });
      for (const e of next.endpoints) {
        const data = { ...e, transportExtra: e.transportExtra as Prisma.InputJsonValue };
        const existing = await tx.functionEndpoint.findFirst({ where: { applicationId: app.id, functions: e.functions } });
        if (existing) await tx.functionEndpoint.update({ where: { id: existing.id }, data });
        else await tx.functionEndpoint.create({ data: { ...data, applicationId: app.id } });
      }
      await tx.ingress.deleteMany({ where: { applicationId: app.id } });
      await tx.egress.deleteMany({ where: { applicationId: app.id } });
      if (next.ingresses.length)
        await tx.ingress.createMany({ data: next.ingresses.map((i) => ({ applicationId: app.id, ingressId: i.id, kind: i.kind, spec: i.spec as Prisma.InputJsonValue })) });
      if (next.egresses.length)
        await tx.egress.createMany({ data: next.egresses.map((i) => ({ applicationId: app.id, egressId: i.id, kind: i.kind, spec: i.spec as Prisma.InputJsonValue })) });
      await recordAudit(tx, actor, {
        action: "module.apply",
        targetType: "application",
        target: app.name,
        before: summary(current),
        after: { ...summary(next), added: diff.endpoints.added.length, removed: diff.endpoints.removed.length, changed: diff.endpoints.changed.length },
      });
      return { applied: true, ...diff, ...(move ? { moves } : {}) };
    });
  } catch (e) {
    // a pattern bound meanwhile by another application (the check above names it), or by this one
    if (isUniqueViolation(e)) {
      await findBindingConflicts(ctx, ctx.db, app.id, next.endpoints);
      throw new AppError("already-exists", "the module binds function types already bound by another endpoint");
    }
    throw e;
  }
}

const summary = (m: ParsedModule) => ({
  endpoints: m.endpoints.map((e) => e.functions),
  ingresses: m.ingresses.map((i) => i.id),
  egresses: m.egresses.map((e) => e.id),
});
