import type { Principal } from "../contracts/auth";
import type { Ctx } from "../context";
import type { DeclaredState, EndpointInput } from "../contracts/registry";
import { ENDPOINT_V2 } from "../contracts/registry";
import { Prisma } from "../generated/prisma/client.ts";
import { AppError } from "../errors";
import { isUniqueViolation } from "../db-errors";
import { recordAudit } from "../audit/audit";
import { isUuid } from "../auth/users";
import { findApplication, registryMutation } from "./applications";
import { normalizeEndpoint, toEndpointSpec, type EndpointRecord } from "./endpoint-spec";
import { toEndpoint, toEndpointRecord } from "./dto";
import { probeRecord } from "./probe-endpoint";
import { hostPolicyOf } from "../net/host-policy";
import { findBindingConflicts, refuseOrMove } from "./binding-conflicts";
import { withSeenTypes } from "./seen-types";

export async function listEndpoints(ctx: Ctx, appName: string) {
  const app = await findApplication(ctx.db, appName);
  const rows = await ctx.db.functionEndpoint.findMany({ where: { applicationId: app.id }, orderBy: { functions: "asc" } });
  return { endpoints: await withSeenTypes(ctx, rows.map((r) => toEndpoint(r, app.name))) };
}

async function findEndpoint(db: Ctx["db"], appId: string, endpointId: string) {
  const row = isUuid(endpointId) ? await db.functionEndpoint.findFirst({ where: { id: endpointId, applicationId: appId } }) : null;
  if (!row) throw new AppError("endpoint-not-found", `the application has no endpoint with id "${endpointId}"`);
  return row;
}

export async function getEndpoint(ctx: Ctx, appName: string, endpointId: string) {
  const app = await findApplication(ctx.db, appName);
  return seen(ctx, toEndpoint(await findEndpoint(ctx.db, app.id, endpointId), app.name));
}

const seen = async (ctx: Ctx, e: ReturnType<typeof toEndpoint>) => (await withSeenTypes(ctx, [e]))[0];

/** Which function type to probe: the one asked for, or the pattern itself when it names one type. */
function probeTarget(record: EndpointRecord, input: EndpointInput): string | null {
  if (input.skipProbe) return null;
  const asked = input.probeFunctionType;
  if (asked) {
    const [ns, name] = asked.split("/");
    if (ns !== record.namespace || (record.typeName !== null && name !== record.typeName))
      throw new AppError("validation-failed", `body.probeFunctionType: ${asked} is not bound by the pattern ${record.functions}`);
    return asked;
  }
  return record.typeName ? record.functions : null;
}

async function probeFor(ctx: Ctx, record: EndpointRecord, input: EndpointInput): Promise<Record<string, DeclaredState[]> | null> {
  const functionType = probeTarget(record, input);
  if (!functionType) return null;
  const result = await probeRecord(record, functionType, hostPolicyOf(ctx.env));
  return { [functionType]: result.declaredState };
}

function recordData(record: EndpointRecord) {
  return { ...record, transportExtra: record.transportExtra as Prisma.InputJsonValue };
}

async function conflictMessage(ctx: Ctx, functions: string): Promise<string> {
  const other = await ctx.db.functionEndpoint.findUnique({ where: { functions }, include: { application: true } });
  return other
    ? `${functions} is already bound by an endpoint of application "${other.application.name}"; change or delete that one first`
    : `${functions} is already bound by another endpoint`;
}

/**
 * Creates an endpoint. One whose pattern would take function types another application binds is refused with
 * 409 function-type-bound-elsewhere unless `move` (binding-conflicts.ts).
 */
export async function createEndpoint(ctx: Ctx, actor: Principal, appName: string, input: EndpointInput, move = false) {
  const app = await findApplication(ctx.db, appName);
  const { probeFunctionType: _p, skipProbe: _s, ...spec } = input;
  const record = normalizeEndpoint(ENDPOINT_V2, spec, hostPolicyOf(ctx.env));
  const declared = await probeFor(ctx, record, input);
  try {
    const created = await registryMutation(ctx, async (tx) => {
      await refuseOrMove(tx, actor, app.name, await findBindingConflicts(ctx, tx, app.id, [record]), move);
      const row = await tx.functionEndpoint.create({
        data: {
          ...recordData(record),
          applicationId: app.id,
          declaredState: (declared ?? {}) as Prisma.InputJsonValue,
          probedAt: declared ? ctx.now() : null,
        },
      });
      await recordAudit(tx, actor, { action: "endpoint.create", targetType: "endpoint", target: `${app.name}/${record.functions}`, after: { id: row.id, ...toEndpointSpec(record), declaredState: declared ?? undefined } });
      return toEndpoint(row, app.name);
    });
    return await seen(ctx, created);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("already-exists", await conflictMessage(ctx, record.functions));
    throw e;
  }
}

/** Replaces an endpoint's spec; a changed pattern is checked for bindings of other applications as on create. */
export async function replaceEndpoint(ctx: Ctx, actor: Principal, appName: string, endpointId: string, input: EndpointInput, move = false) {
  const app = await findApplication(ctx.db, appName);
  const before = await findEndpoint(ctx.db, app.id, endpointId);
  const { probeFunctionType: _p, skipProbe: _s, ...spec } = input;
  const record = normalizeEndpoint(ENDPOINT_V2, spec, hostPolicyOf(ctx.env));
  const declared = await probeFor(ctx, record, input);
  try {
    const replaced = await registryMutation(ctx, async (tx) => {
      if (record.functions !== before.functions) await refuseOrMove(tx, actor, app.name, await findBindingConflicts(ctx, tx, app.id, [record]), move);
      const row = await tx.functionEndpoint.update({
        where: { id: before.id },
        data: {
          ...recordData(record),
          ...(declared ? { declaredState: declared as Prisma.InputJsonValue, probedAt: ctx.now() } : {}),
        },
      });
      await recordAudit(tx, actor, {
        action: "endpoint.replace",
        targetType: "endpoint",
        target: `${app.name}/${record.functions}`,
        before: { id: before.id, ...toEndpointSpec(toEndpointRecord(before)) },
        after: { id: row.id, ...toEndpointSpec(record) },
      });
      return toEndpoint(row, app.name);
    });
    return await seen(ctx, replaced);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("already-exists", await conflictMessage(ctx, record.functions));
    throw e;
  }
}

export async function deleteEndpoint(ctx: Ctx, actor: Principal, appName: string, endpointId: string) {
  const app = await findApplication(ctx.db, appName);
  const before = await findEndpoint(ctx.db, app.id, endpointId);
  return registryMutation(ctx, async (tx) => {
    await tx.functionEndpoint.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, { action: "endpoint.delete", targetType: "endpoint", target: `${app.name}/${before.functions}`, before: { id: before.id, ...toEndpointSpec(toEndpointRecord(before)) } });
    return { ok: true as const };
  });
}

/** Probes one function type the endpoint binds and records what it declares (merged with earlier probes). */
export async function reprobeEndpoint(ctx: Ctx, actor: Principal, appName: string, endpointId: string, functionType: string) {
  const app = await findApplication(ctx.db, appName);
  const row = await findEndpoint(ctx.db, app.id, endpointId);
  const record = toEndpointRecord(row);
  const declared = await probeFor(ctx, record, { functions: record.functions, urlPathTemplate: record.urlPathTemplate, probeFunctionType: functionType });
  const probed = await registryMutation(ctx, async (tx) => {
    const merged = { ...(row.declaredState as Record<string, DeclaredState[]>), ...declared };
    const updated = await tx.functionEndpoint.update({ where: { id: row.id }, data: { declaredState: merged as Prisma.InputJsonValue, probedAt: ctx.now() } });
    await recordAudit(tx, actor, { action: "endpoint.probe", targetType: "endpoint", target: `${app.name}/${record.functions}`, after: { functionType, declaredState: declared?.[functionType] } });
    return toEndpoint(updated, app.name);
  });
  return seen(ctx, probed);
}
