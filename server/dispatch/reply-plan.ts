import type { Address, InvocationResponse, TypedValue } from "../protocol/codec";
import { protoTypes } from "../protocol/codec";
import type { BoundEndpoint, RegistrySnapshot } from "../registry/registry-snapshot";
import type { Claimed, EgressRecord, Mutation, Outgoing, StateSpec, TimerOp } from "./data-plane";
import type { Partitioning } from "./keys";
import { addressKey, functionTypeOf } from "./keys";
import { encodeEntry } from "./entries";
import { addressProblem, stateNameProblem, typenameProblem } from "../contracts/names";

/** A reply the runtime must refuse: the address parks with this message (StateFun would fail the job). */
export class BadReplyError extends Error {}

const PLAYGROUND_EGRESS_KIND = "io.statefun.playground.v1/egress";
const PLAYGROUND_RECORD = "io.statefun.playground/EgressRecord";
const KAFKA_RECORD = "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord";
const KINESIS_RECORD = "type.googleapis.com/io.statefun.sdk.egress.KinesisEgressRecord";
const EGRESS_RECORD_TYPE: Record<string, string> = {
  [PLAYGROUND_EGRESS_KIND]: PLAYGROUND_RECORD,
  "io.statefun.kafka.v1/egress": KAFKA_RECORD,
  "io.statefun.kinesis.v1/egress": KINESIS_RECORD,
};

/** A target the ingress would refuse parks the sender: what one way in accepts, every other can store and address. */
function checkAddress(a: Address | null, what: string): Address {
  if (!a || !a.namespace || !a.type) throw new BadReplyError(`${what} has no target address (namespace and type are required)`);
  const bad = addressProblem(a);
  if (bad) throw new BadReplyError(`${what} targets an invalid address: ${bad}`);
  return a;
}

function checkArgument(v: TypedValue | null, what: string): TypedValue {
  if (!v || !v.typename) throw new BadReplyError(`${what} has no argument (a TypedValue with a typename is required)`);
  const bad = typenameProblem(v.typename, `the typename of ${what}`);
  if (bad) throw new BadReplyError(bad);
  return { typename: v.typename, hasValue: v.hasValue, value: v.value };
}

/** The topic of an egress record, checked against what the egress accepts (protocol §2.8). */
function egressTopic(egress: { id: string; kind: string; spec: Record<string, unknown> }, arg: TypedValue): string {
  const expected = EGRESS_RECORD_TYPE[egress.kind];
  if (expected && arg.typename !== expected)
    throw new BadReplyError(`egress ${egress.id} (${egress.kind}) accepts only ${expected} records, not ${arg.typename}`);
  try {
    if (egress.kind === PLAYGROUND_EGRESS_KIND) {
      const rec = JSON.parse(Buffer.from(arg.value).toString("utf8")) as { topic?: unknown; payload?: unknown };
      const topics = (egress.spec.topics as string[] | undefined) ?? [];
      if (typeof rec.topic !== "string") throw new BadReplyError(`egress record for ${egress.id} has no "topic"`);
      if (!topics.includes(rec.topic)) throw new BadReplyError(`egress ${egress.id} has no topic "${rec.topic}" (declared: ${topics.join(", ") || "none"})`);
      return rec.topic;
    }
    if (arg.typename === KAFKA_RECORD) return (protoTypes.KafkaProducerRecord.decode(arg.value) as unknown as { topic: string }).topic;
    if (arg.typename === KINESIS_RECORD) return (protoTypes.KinesisEgressRecord.decode(arg.value) as unknown as { stream: string }).stream;
  } catch (e) {
    if (e instanceof BadReplyError) throw e;
    throw new BadReplyError(`egress record for ${egress.id} is not a valid ${arg.typename}: ${(e as Error).message}`);
  }
  return "";
}

export interface PlanInput {
  claimed: Claimed;
  target: Address;
  endpoint: BoundEndpoint;
  registry: RegistrySnapshot;
  keys: Partitioning;
  specs: StateSpec[];
  expired: string[];
  consumed: number;
  response: InvocationResponse | undefined;
}

/** The state a function declares (IncompleteInvocationContext), checked before it is registered: a bad name parks. */
export function checkDeclaredState(missing: Array<{ name: string; typename: string }>): void {
  for (const m of missing) {
    const bad = stateNameProblem(m.name, "a declared state name") ?? typenameProblem(m.typename, `the typename of state "${m.name}"`);
    if (bad) throw new BadReplyError(`the function declares state the runtime cannot store: ${bad}`);
  }
}

/**
 * Turns a function's reply into the commit's effects, validating every part first (protocol §2.5–2.8): unknown
 * state names, wrong typenames, negative delays, empty cancellation tokens, unknown egresses all throw
 * BadReplyError. Message ids are deterministic (`address@version#i`), so a redone call produces the same ids.
 */
export function planFromReply(x: PlanInput) {
  const { claimed: c, target, response: r } = x;
  const specByName = new Map(x.specs.map((s) => [s.name, s]));
  const mutations: Mutation[] = [];
  const mutated = new Set<string>();
  for (const m of r?.stateMutations ?? []) {
    const spec = specByName.get(m.stateName);
    if (!spec) throw new BadReplyError(`the reply changes state "${m.stateName}", which ${functionTypeOf(target)} never declared (declared: ${x.specs.map((s) => s.name).join(", ") || "none"})`);
    if (mutated.has(m.stateName)) throw new BadReplyError(`the reply changes state "${m.stateName}" twice`);
    mutated.add(m.stateName);
    if (m.mutationType === "MODIFY") {
      if (!m.stateValue) throw new BadReplyError(`MODIFY of state "${m.stateName}" carries no value`);
      if (m.stateValue.typename !== spec.typename)
        throw new BadReplyError(`state "${m.stateName}" is registered as ${spec.typename} but the reply writes ${m.stateValue.typename || "(no typename)"}`);
      mutations.push({ name: m.stateName, op: "M", value: Buffer.from(m.stateValue.value) });
    } else mutations.push({ name: m.stateName, op: "D" });
  }
  // Expired values are dropped in the same commit (unless the reply wrote them again).
  for (const name of x.expired) if (!mutated.has(name)) mutations.push({ name, op: "D" });

  const now = c.now;
  const outgoing: Outgoing[] = (r?.outgoingMessages ?? []).map((m, i) => {
    const to = checkAddress(m.target, `outgoing message ${i + 1}`);
    const arg = checkArgument(m.argument, `outgoing message ${i + 1}`);
    return { address: addressKey(to), functionType: functionTypeOf(to), entry: encodeEntry(`${c.address}@${c.version}#o${i}`, now, target, arg) };
  });

  const timers: TimerOp[] = (r?.delayedInvocations ?? []).map((d, i) => {
    const what = `delayed message ${i + 1}`;
    if (d.isCancellationRequest) {
      if (!d.cancellationToken) throw new BadReplyError(`${what} is a cancellation without a cancellation token`);
      return { op: "C", tokenKey: `${c.address}\0${d.cancellationToken}` };
    }
    if (!Number.isFinite(d.delayInMs) || d.delayInMs < 0) throw new BadReplyError(`${what} has a negative delay (${d.delayInMs} ms)`);
    const to = checkAddress(d.target, what);
    const arg = checkArgument(d.argument, what);
    const timerId = `${c.address}@${c.version}#d${i}`;
    return {
      op: "S",
      tokenKey: d.cancellationToken ? `${c.address}\0${d.cancellationToken}` : "",
      timerId,
      delayMs: Math.floor(d.delayInMs),
      target: { address: addressKey(to), functionType: functionTypeOf(to), entry: encodeEntry(timerId, now, target, arg) },
    };
  });

  const app = x.endpoint.application;
  const egress: EgressRecord[] = (r?.outgoingEgresses ?? []).map((e, i) => {
    const id = `${e.egressNamespace}/${e.egressType}`;
    const declared = x.registry.egress(app, id);
    if (!declared) {
      const known = [...(x.registry.egresses.get(app)?.keys() ?? [])];
      throw new BadReplyError(`egress record ${i + 1} goes to unknown egress ${id}; application "${app}" declares ${known.join(", ") || "no egresses"}`);
    }
    const arg = checkArgument(e.argument, `egress record ${i + 1}`);
    return { streamKey: x.keys.egress(app, id), typename: arg.typename, value: Buffer.from(arg.value), topic: egressTopic(declared, arg), source: c.address };
  });

  const summary = JSON.stringify({
    n: x.consumed,
    m: mutations.map((m) => `${m.op === "M" ? "set" : "delete"} ${m.name}`),
    o: outgoing.map((o) => o.address),
    d: timers.length,
    e: egress.length,
  });
  return { mutations, outgoing, timers, egress, summary };
}
