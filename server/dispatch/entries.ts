import { Writer } from "protobufjs/light.js";
import { protocolRoot, type Address, type TypedValue } from "../protocol/codec";

/**
 * A mailbox entry is `id \0 enqueuedAtMs \0 <ToFunction.Invocation bytes>`. The invocation is encoded once,
 * when the message is produced, and spliced into every request unchanged: dispatch never decodes payloads.
 */
const InvocationType = protocolRoot.lookupType("io.statefun.sdk.reqreply.ToFunction.Invocation");
const AddressType = protocolRoot.lookupType("io.statefun.sdk.reqreply.Address");
const PersistedValueType = protocolRoot.lookupType("io.statefun.sdk.reqreply.ToFunction.PersistedValue");

export interface MailboxEntry {
  id: string;
  enqueuedAt: number;
  /** Encoded ToFunction.Invocation. */
  invocation: Buffer;
}

export function encodeEntry(id: string, enqueuedAt: number, caller: Address | null, argument: TypedValue): Buffer {
  const inv = InvocationType.encode({ caller: caller ?? undefined, argument }).finish();
  return Buffer.concat([Buffer.from(`${id}\0${enqueuedAt}\0`), inv]);
}

export function decodeEntry(raw: Buffer): MailboxEntry {
  const a = raw.indexOf(0);
  const b = raw.indexOf(0, a + 1);
  if (a < 0 || b < 0) throw new Error("corrupt mailbox entry");
  return { id: raw.toString("utf8", 0, a), enqueuedAt: Number(raw.toString("latin1", a + 1, b)), invocation: raw.subarray(b + 1) };
}

/** Decoded for display (state API, history): the caller and argument of an entry. */
export function decodeInvocation(bytes: Uint8Array): { caller: Address | null; argument: TypedValue | null } {
  const o = InvocationType.toObject(InvocationType.decode(bytes), { defaults: false }) as { caller?: Address; argument?: TypedValue };
  return {
    caller: o.caller ?? null,
    argument: o.argument ? { typename: o.argument.typename ?? "", hasValue: Boolean(o.argument.hasValue), value: o.argument.value ?? new Uint8Array() } : null,
  };
}

export interface StateValue {
  name: string;
  typename: string;
  /** null: registered but absent (never written, deleted, expired). */
  value: Buffer | null;
}

/**
 * `ToFunction{invocation: InvocationBatchRequest{target, state, invocations}}`, written field by field so the
 * stored invocation bytes are copied, not decoded and re-encoded. Field numbers: protocol §1.2.
 */
export function encodeBatchRequest(target: Address, state: StateValue[], invocations: Buffer[]): Uint8Array {
  const w = Writer.create();
  w.uint32((1 << 3) | 2).fork();
  AddressType.encode(target, w);
  w.ldelim();
  for (const s of state) {
    w.uint32((2 << 3) | 2).fork();
    PersistedValueType.encode(
      s.value === null ? { stateName: s.name } : { stateName: s.name, stateValue: { typename: s.typename, hasValue: true, value: s.value } },
      w,
    );
    w.ldelim();
  }
  for (const inv of invocations) w.uint32((3 << 3) | 2).bytes(inv);
  const batch = w.finish();
  return Writer.create().uint32((100 << 3) | 2).bytes(batch).finish();
}
