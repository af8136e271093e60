/**
 * A minimal, in-memory stand-in for the StateFun runtime's per-address request loop (protocol §2.3–2.5), just
 * enough to drive real SDK functions over HTTP with our codec: attach every registered state, answer
 * IncompleteInvocationContext by registering the specs and resending the same invocations, apply mutations.
 */
import {
  decodeFromFunction,
  encodeToFunction,
  type Address,
  type Encodable,
  type InvocationResponse,
  type ToFunction,
  type ToFunctionInvocation,
} from "@/server/protocol/codec";
import { postToFunction } from "@/server/protocol/transport";

export interface CallRecord {
  requests: ToFunction[];
  response: InvocationResponse;
}

export class WireRuntime {
  /** function type → state name → registered typename */
  readonly registered = new Map<string, Map<string, string>>();
  /** "ns/type/id" → state name → stored bytes */
  readonly values = new Map<string, Map<string, Uint8Array>>();

  constructor(readonly url: string) {}

  state(addr: Address): Map<string, Uint8Array> {
    const key = `${addr.namespace}/${addr.type}/${addr.id}`;
    let m = this.values.get(key);
    if (!m) this.values.set(key, (m = new Map()));
    return m;
  }

  async call(target: Address, invocations: Encodable<ToFunctionInvocation>[]): Promise<CallRecord> {
    const fnType = `${target.namespace}/${target.type}`;
    const specs = this.registered.get(fnType) ?? new Map<string, string>();
    this.registered.set(fnType, specs);
    const requests: ToFunction[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = this.state(target);
      const request: ToFunction = {
        invocation: {
          target,
          state: [...specs].map(([stateName, typename]) => {
            const value = stored.get(stateName);
            return { stateName, stateValue: value ? { typename, hasValue: true, value } : null };
          }),
          invocations: invocations as ToFunctionInvocation[],
        },
      };
      requests.push(request);
      const reply = await postToFunction(this.url, encodeToFunction(request), { connectTimeoutMs: 2_000, callTimeoutMs: 5_000 });
      if (reply.status !== 200) throw new Error(`${fnType} answered HTTP ${reply.status}`);
      const decoded = decodeFromFunction(reply.body);
      if (decoded.incompleteInvocationContext) {
        for (const spec of decoded.incompleteInvocationContext.missingValues)
          if (!specs.has(spec.stateName)) specs.set(spec.stateName, spec.typeTypename || "io.statefun.types/unset");
        continue;
      }
      const response = decoded.invocationResult ?? {
        stateMutations: [],
        outgoingMessages: [],
        delayedInvocations: [],
        outgoingEgresses: [],
      };
      for (const m of response.stateMutations) {
        if (m.mutationType === "MODIFY") stored.set(m.stateName, m.stateValue!.value);
        else stored.delete(m.stateName);
      }
      return { requests, response };
    }
    throw new Error(`${fnType} kept answering IncompleteInvocationContext`);
  }
}
