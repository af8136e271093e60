import type { Logger } from "../logger";
import { decodeFromFunction, MalformedMessageError, type Address } from "../protocol/codec";
import { renderUrl } from "../registry/url-template";
import type { RegistrySnapshot } from "../registry/registry-snapshot";
import { DuplicateTokenError, FencedError, type Claimed, type DataPlane, type StateSpec } from "./data-plane";
import { decodeEntry, encodeBatchRequest, type StateValue } from "./entries";
import { functionTypeOf, parseAddress } from "./keys";
import { BadReplyError, checkDeclaredState, planFromReply } from "./reply-plan";
import { CallFailedError, callFunction } from "./call-function";
import type { SpecCache } from "./spec-cache";

/** What the metrics layer hears about; every method is optional. */
export interface DispatchObserver {
  attempt?(functionType: string, latencyMs: number, ok: boolean): void;
  /** outLocal: targets in the sender's partition; outRemote: in another (StateFun's local/remote split). */
  committed?(functionType: string, e: { consumed: number; outLocal: number; outRemote: number; egress: number; enqueuedAt: number[] }): void;
  parked?(functionType: string, error: string): void;
  inflight?(functionType: string, delta: number): void;
}

export interface InvokeDeps {
  plane: DataPlane;
  registry: () => RegistrySnapshot;
  specs: SpecCache;
  log: Logger;
  observer?: DispatchObserver;
  signal?: AbortSignal;
}

export type Outcome = "committed" | "parked" | "held" | "fenced";

// A function that keeps declaring new state on every resend is broken; StateFun would loop forever.
const MAX_CONTEXT_ROUNDS = 3;

/** State to attach: every registered name, with its value unless absent or expired (protocol §2.3, §2.6). */
function attachState(c: Claimed, specs: StateSpec[]): { values: StateValue[]; expired: string[] } {
  const values: StateValue[] = [];
  const expired: string[] = [];
  const lastInvoke = Number(c.state.get("_i")?.toString() ?? 0);
  for (const s of specs) {
    let value = c.state.get(`v:${s.name}`) ?? null;
    if (value !== null && s.expireMode !== "NONE" && s.expireAfterMillis > 0) {
      const written = Number(c.state.get(`w:${s.name}`)?.toString() ?? 0);
      const since = s.expireMode === "AFTER_WRITE" ? written : Math.max(written, lastInvoke);
      if (c.now - since >= s.expireAfterMillis) {
        value = null;
        expired.push(s.name);
      }
    }
    values.push({ name: s.name, typename: s.typename, value });
  }
  return { values, expired };
}

/** Runs a check of a function's reply: what it found wrong (BadReplyError), or null; anything else is thrown. */
function badReply(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (e) {
    if (e instanceof BadReplyError) return e.message;
    throw e;
  }
}

/**
 * One activation of one address: call the function with the claimed batch, apply its reply atomically, or park
 * the address with an error that says exactly what was wrong. Never throws for a function's fault.
 */
export async function processClaimed(d: InvokeDeps, c: Claimed): Promise<Outcome> {
  const addr = parseAddress(c.address)!;
  const functionType = functionTypeOf(addr);
  const registry = d.registry();
  const endpoint = registry.resolve(functionType);
  const park = async (error: string, attempts = 0): Promise<Outcome> => {
    d.log.warn({ address: c.address, error }, "address parked");
    d.observer?.parked?.(functionType, error);
    await d.plane.park(c, error, attempts);
    return "parked";
  };
  if (!endpoint) return park(`function type ${functionType} is not bound by any endpoint; register an endpoint for it, then resume this address`);
  if (endpoint.paused) {
    await d.plane.hold(c, functionType);
    // resumed while this was being held: the runner's release for that change may have run before this hold
    const latest = d.registry();
    if (latest !== registry && !latest.resolve(functionType)?.paused) await d.plane.unhold(c.partition, [c.address]);
    return "held";
  }

  const max = endpoint.maxNumBatchRequests > 0 ? endpoint.maxNumBatchRequests : c.mailbox.length;
  const entries = c.mailbox.slice(0, max).map(decodeEntry);
  const target: Address = { namespace: addr.namespace, type: addr.type, id: addr.id };
  const url = renderUrl(endpoint.urlPathTemplate, addr.type);
  let specs = await d.specs.get(functionType);
  d.observer?.inflight?.(functionType, 1);
  try {
    for (let round = 0; round < MAX_CONTEXT_ROUNDS; round++) {
      const { values, expired } = attachState(c, specs);
      const body = encodeBatchRequest(target, values, entries.map((e) => e.invocation));
      let replyBytes: Uint8Array;
      try {
        replyBytes = await callFunction(url, body, endpoint, { signal: d.signal, onAttempt: (ms, ok) => d.observer?.attempt?.(functionType, ms, ok) });
      } catch (e) {
        if (e instanceof CallFailedError) return await park(e.message, e.attempts);
        throw e;
      }
      let reply;
      try {
        reply = decodeFromFunction(replyBytes);
      } catch (e) {
        if (e instanceof MalformedMessageError) return await park(`the reply from ${url} is not a StateFun FromFunction: ${e.reason}`);
        throw e;
      }
      if (reply.incompleteInvocationContext) {
        const missing = reply.incompleteInvocationContext.missingValues.map((m) => ({
          name: m.stateName,
          typename: m.typeTypename || "io.statefun.types/unset",
          mode: m.expirationSpec.mode,
          ms: m.expirationSpec.expireAfterMillis,
        }));
        const bad = badReply(() => checkDeclaredState(missing));
        if (bad) return await park(`bad reply from ${url}: ${bad}`);
        const r = await d.plane.registerSpecs(functionType, missing);
        if ("conflict" in r)
          return await park(`state "${r.conflict!.name}" of ${functionType} is registered as ${r.conflict!.registered} but the function now declares ${r.conflict!.declared}`);
        specs = r.specs!;
        d.specs.set(functionType, specs);
        continue;
      }
      let plan!: ReturnType<typeof planFromReply>;
      const bad = badReply(() => (plan = planFromReply({ claimed: c, target, endpoint, registry, keys: d.plane.keys, specs, expired, consumed: entries.length, response: reply.invocationResult })));
      if (bad) return await park(`bad reply from ${url}: ${bad}`);
      try {
        await d.plane.commit({ claimed: c, functionType, consumed: entries.length, ...plan });
      } catch (e) {
        if (e instanceof FencedError) {
          // The lease or version moved on (reaped, operator patch, rollback): give it back; it is redone.
          await d.plane.abandon(c);
          return "fenced";
        }
        if (e instanceof DuplicateTokenError) return await park(`bad reply from ${url}: ${e.message}`);
        throw e;
      }
      if (d.observer?.committed) {
        let outLocal = 0;
        for (const o of plan.outgoing) if (d.plane.keys.partitionOf(o.address) === c.partition) outLocal++;
        d.observer.committed(functionType, {
          consumed: entries.length,
          outLocal,
          outRemote: plan.outgoing.length - outLocal,
          egress: plan.egress.length,
          enqueuedAt: entries.map((e) => e.enqueuedAt),
        });
      }
      return "committed";
    }
    return await park(`${url} answered IncompleteInvocationContext ${MAX_CONTEXT_ROUNDS} times in a row for ${functionType}; its declared state keeps changing`);
  } finally {
    d.observer?.inflight?.(functionType, -1);
  }
}
