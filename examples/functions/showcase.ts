/**
 * A showcase of the StateFun features the playground's Python/JS showcase exercises (protocol §5.5), on the
 * official JS SDK, with short TTLs and delays so they can be observed in tests and in the console:
 *
 *   showcase/storage   states an_int (int), greet_json (JSON, set then deleted: DELETE), after_write (string,
 *                      expireAfterWrite) and after_call (string, expireAfterCall). "report" writes what the
 *                      function sees to the playground egress, topic "storage".
 *   showcase/messaging delayed sends to showcase/inbox/<to> (sendAfter, with or without a cancellation token)
 *                      and cancellations by token (cancelDelayedMessage).
 *   showcase/inbox     writes every arrival, with its caller, to the playground egress, topic "inbox".
 *   showcase/egress    a Kafka record (kafkaEgressMessage) to egress showcase/kafka-egress, topic "greets".
 *   showcase/fanout    sends `count` numbered messages to showcase/counter/<to>.
 *   showcase/counter   states count (int) and seqs (JSON list): every message seen, in order.
 */
import { StateFun, egressMessageBuilder, kafkaEgressMessage, messageBuilder, type Context, type Message } from "apache-flink-statefun";
import { EgressRecordType, PLAYGROUND_EGRESS } from "./greeter";

// Far apart so a loaded 2-core CI machine cannot blur them: touches every ~80 ms must keep the after-call value alive.
export const AFTER_WRITE_TTL_MS = 800;
export const AFTER_CALL_TTL_MS = 2_000;
export const KAFKA_EGRESS = "showcase/kafka-egress";
export const KAFKA_TOPIC = "greets";

export type StorageCommand = { op: "write"; value: string } | { op: "set-json"; greeting: string } | { op: "delete-json" } | { op: "touch" } | { op: "report" };
export interface StorageReport {
  an_int: number | null;
  greet_json: { greeting: string } | null;
  after_write: string | null;
  after_call: string | null;
}
export type MessagingCommand =
  | { op: "schedule"; to: string; label: string; delayMs: number; token?: string }
  | { op: "cancel"; token: string };
export interface InboxMessage {
  label: string;
  /** When showcase/messaging scheduled it (its clock). */
  scheduledAt: number;
  delayMs: number;
}
export interface InboxArrival extends InboxMessage {
  receivedAt: number;
  /** `namespace/type/id` of the caller, or null. */
  caller: string | null;
  self: string;
}
export interface FanOut {
  to: string;
  count: number;
}
export interface Numbered {
  seq: number;
}

export const StorageCommandType = StateFun.jsonType<StorageCommand>("showcase/StorageCommand");
export const GreetJsonType = StateFun.jsonType<{ greeting: string }>("showcase/GreetJson");
export const MessagingCommandType = StateFun.jsonType<MessagingCommand>("showcase/MessagingCommand");
export const InboxMessageType = StateFun.jsonType<InboxMessage>("showcase/InboxMessage");
export const FanOutType = StateFun.jsonType<FanOut>("showcase/FanOut");
export const NumberedType = StateFun.jsonType<Numbered>("showcase/Numbered");
export const SeqsType = StateFun.jsonType<number[]>("showcase/Seqs");

const emit = (context: Context, topic: string, payload: unknown) =>
  context.send(egressMessageBuilder({ typename: PLAYGROUND_EGRESS, value: { topic, payload: JSON.stringify(payload) }, valueType: EgressRecordType }));

function storage(context: Context, message: Message): void {
  const cmd = message.as(StorageCommandType);
  if (!cmd) throw new Error("showcase/storage expects a showcase/StorageCommand");
  const s = context.storage;
  switch (cmd.op) {
    case "write":
      s.an_int = ((s.an_int as number | null) ?? 0) + 1;
      s.after_write = cmd.value;
      s.after_call = cmd.value;
      return;
    case "set-json":
      s.greet_json = { greeting: cmd.greeting };
      return;
    case "delete-json":
      s.greet_json = null; // a DELETE mutation
      return;
    case "touch":
      return; // an invocation that reads nothing: still refreshes expireAfterCall
    case "report": {
      const report: StorageReport = { an_int: s.an_int, greet_json: s.greet_json, after_write: s.after_write, after_call: s.after_call };
      emit(context, "storage", report);
      return;
    }
  }
}

function messaging(context: Context, message: Message): void {
  const cmd = message.as(MessagingCommandType);
  if (!cmd) throw new Error("showcase/messaging expects a showcase/MessagingCommand");
  if (cmd.op === "cancel") {
    context.cancelDelayedMessage(cmd.token);
    return;
  }
  const value: InboxMessage = { label: cmd.label, scheduledAt: Date.now(), delayMs: cmd.delayMs };
  context.sendAfter(cmd.delayMs, messageBuilder({ typename: "showcase/inbox", id: cmd.to, value, valueType: InboxMessageType }), cmd.token);
}

function inbox(context: Context, message: Message): void {
  const m = message.as(InboxMessageType);
  if (!m) throw new Error("showcase/inbox expects a showcase/InboxMessage");
  const c = context.caller;
  const arrival: InboxArrival = { ...m, receivedAt: Date.now(), caller: c ? `${c.namespace}/${c.name}/${c.id}` : null, self: context.self.id };
  emit(context, "inbox", arrival);
}

function egress(context: Context, message: Message): void {
  const name = message.asString();
  if (name === null) throw new Error("showcase/egress expects an io.statefun.types/string");
  context.send(kafkaEgressMessage({ typename: KAFKA_EGRESS, topic: KAFKA_TOPIC, key: context.self.id, value: `hello ${name}` }));
}

function fanout(context: Context, message: Message): void {
  const f = message.as(FanOutType);
  if (!f) throw new Error("showcase/fanout expects a showcase/FanOut");
  for (let seq = 1; seq <= f.count; seq++) context.send(messageBuilder({ typename: "showcase/counter", id: f.to, value: { seq }, valueType: NumberedType }));
}

function counter(context: Context, message: Message): void {
  const n = message.as(NumberedType);
  if (!n) throw new Error("showcase/counter expects a showcase/Numbered");
  context.storage.count = ((context.storage.count as number | null) ?? 0) + 1;
  context.storage.seqs = [...((context.storage.seqs as number[] | null) ?? []), n.seq];
}

export function bindShowcase(statefun: StateFun): void {
  statefun.bind({
    typename: "showcase/storage",
    fn: storage,
    specs: [
      { name: "an_int", type: StateFun.intType() },
      { name: "greet_json", type: GreetJsonType },
      { name: "after_write", type: StateFun.stringType(), expireAfterWrite: AFTER_WRITE_TTL_MS },
      { name: "after_call", type: StateFun.stringType(), expireAfterCall: AFTER_CALL_TTL_MS },
    ],
  });
  statefun.bind({ typename: "showcase/messaging", fn: messaging });
  statefun.bind({ typename: "showcase/inbox", fn: inbox });
  statefun.bind({ typename: "showcase/egress", fn: egress });
  statefun.bind({ typename: "showcase/fanout", fn: fanout });
  statefun.bind({
    typename: "showcase/counter",
    fn: counter,
    specs: [
      { name: "count", type: StateFun.intType() },
      { name: "seqs", type: SeqsType },
    ],
  });
}
