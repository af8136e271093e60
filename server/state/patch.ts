import type { z } from "zod";
import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";
import type { PatchResult, PatchState } from "../contracts/state";
import type { Mutation, StateSpec } from "../dispatch/data-plane";
import { planeOf } from "../dispatch/plane";
import type { AddressRef } from "../dispatch/keys";
import { AppError } from "../errors";
import { actorName } from "../audit/audit";
import { decodePrimitive, encodePrimitive, isPrimitiveTypename, PRIMITIVE_TYPENAMES } from "../protocol/typed-values";
import { auditAfterWrite } from "./audit";
import { addressOf, readRaw, stateView, versionOf, type RawAddress } from "./read";
import { auditValue } from "./views";
import { findUnstorable } from "../contracts/stored-text";

type SetValue = NonNullable<PatchState["set"]>[string];

/** The bytes to store: raw base64, a primitive in its StateFun wrapper, or UTF-8 JSON for any other type. */
function encodeValue(name: string, spec: StateSpec, v: SetValue): Buffer {
  const field = `body.set.${name}`;
  if (v.typename !== undefined && v.typename !== spec.typename)
    throw new AppError("validation-failed", `${field}.typename: state "${name}" is registered as ${spec.typename}, not ${v.typename}; a state's type cannot change`, {
      field: `${field}.typename`,
      registered: spec.typename,
    });
  const typename = spec.typename;
  if (v.base64 !== undefined) {
    const bytes = Buffer.from(v.base64, "base64");
    // The function's SDK decodes a primitive as its wrapper message: bytes that are not one would fail every
    // call to the address until it parks, so they are refused here, where the operator can see why.
    if (isPrimitiveTypename(typename))
      try {
        decodePrimitive(typename, bytes);
      } catch (e) {
        throw new AppError("validation-failed", `${field}.base64: ${(e as Error).message}; send the value as JSON ("value") or the wrapper's protobuf encoding`, {
          field: `${field}.base64`,
          typename,
        });
      }
    return bytes;
  }
  if (isPrimitiveTypename(typename)) {
    let value = v.value;
    if (typename === PRIMITIVE_TYPENAMES.long && typeof value === "string" && /^-?\d{1,19}$/.test(value)) value = BigInt(value);
    try {
      return Buffer.from(encodePrimitive(typename, value as never));
    } catch (e) {
      throw new AppError("validation-failed", `${field}.value: ${(e as Error).message}`, { field: `${field}.value` });
    }
  }
  return Buffer.from(JSON.stringify(v.value), "utf8");
}

/**
 * A value for the audit row that Postgres jsonb can hold: bytes that decode to text with a NUL or a lone
 * surrogate (valid state: a function may store any string) are kept as base64, or the row could not be written.
 */
function auditable(typename: string, bytes: Buffer | null): unknown {
  const v = auditValue(typename, bytes);
  return bytes !== null && findUnstorable(v) ? { base64: bytes.toString("base64") } : v;
}

function conflict(expected: number, current: RawAddress): AppError {
  const v = versionOf(current);
  return new AppError(
    "version-conflict",
    `${current.address} is at version ${v}, not ${expected}: it changed since you read it. Re-read the state (it is in details.state), re-apply your change and send expectedVersion ${v}`,
    { expectedVersion: expected, currentVersion: v, state: stateView(current) },
  );
}

/**
 * An operator's versioned write (invariant 6): through the same version counter as commits (patch-5.lua), so it
 * loses to nothing and nothing loses to it. Only registered state names, with their registered typenames.
 */
export async function patchState(ctx: Ctx, actor: Principal, ref: AddressRef, body: PatchState): Promise<z.infer<typeof PatchResult>> {
  const plane = planeOf(ctx);
  const address = addressOf(ref);
  const sets = Object.entries(body.set ?? {});
  const deletes = [...new Set(body.delete ?? [])];
  if (sets.length === 0 && deletes.length === 0) throw new AppError("bad-request", 'nothing to change: give "set" ({name: {value} or {base64}}) and/or "delete" ([name])');

  const before = await readRaw(plane, ref);
  const specs = new Map(before.specs.map((s) => [s.name, s]));
  const declared = before.specs.map((s) => s.name);
  for (const name of [...sets.map(([n]) => n), ...deletes]) {
    if (specs.has(name)) continue;
    throw new AppError(
      "unknown-state",
      declared.length
        ? `${before.functionType} has no state "${name}"; its registered states are: ${declared.join(", ")}`
        : `${before.functionType} has no registered state yet (states are learned when the function is first invoked), so "${name}" cannot be written`,
      { name, declared },
    );
  }
  const both = sets.find(([n]) => deletes.includes(n));
  if (both) throw new AppError("validation-failed", `state "${both[0]}" is both set and deleted; do one or the other`, { name: both[0] });

  const mutations: Mutation[] = [
    ...sets.map(([name, v]) => ({ name, op: "M" as const, value: encodeValue(name, specs.get(name)!, v) })),
    ...deletes.map((name) => ({ name, op: "D" as const })),
  ];
  if (versionOf(before) !== body.expectedVersion) throw conflict(body.expectedVersion, before);

  const summary = JSON.stringify({
    op: "patch",
    n: 0,
    m: mutations.map((m) => `${m.op === "M" ? "set" : "delete"} ${m.name}`),
    o: [],
    d: 0,
    e: 0,
    by: actorName(actor),
    ...(body.reason ? { reason: body.reason } : {}),
  });
  const res = await plane.patch(address, body.expectedVersion, mutations, summary);
  if ("conflict" in res) throw conflict(body.expectedVersion, await readRaw(plane, ref));

  const touched = (name: string) => auditable(specs.get(name)!.typename, before.state.get(`v:${name}`) ?? null);
  const audited = await auditAfterWrite(ctx, actor, {
    action: "state.patch",
    targetType: "address",
    target: address,
    before: { version: body.expectedVersion, values: Object.fromEntries(mutations.map((m) => [m.name, touched(m.name)])) },
    after: {
      version: res.version,
      values: Object.fromEntries(mutations.map((m) => [m.name, m.op === "M" ? auditable(specs.get(m.name)!.typename, m.value!) : null])),
      ...(body.reason ? { reason: body.reason } : {}),
    },
  });
  return { address, version: res.version, seq: res.seq, audited };
}
