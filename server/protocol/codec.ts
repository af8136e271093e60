/**
 * The StateFun 3.x wire codec: `ToFunction` (runtime → function) and `FromFunction` (function → runtime).
 *
 * The schema comes from generated/descriptor.json (built by scripts/gen-proto.ts from proto/*.proto), so nothing
 * reads a .proto file at runtime and the module works the same under tsx, vitest and the Next.js server bundle.
 * Type objects are resolved once at import; encode/decode are protobufjs' generated (codegen) functions.
 *
 * Decoded messages follow proto3 semantics made explicit: absent strings are "", absent enums are DELETE / NONE,
 * absent repeated fields are [], absent sub-messages are null, int64 is a JS number, bytes are Uint8Array.
 */
import { Root, type INamespace, type IConversionOptions, type Type } from "protobufjs/light.js";
import descriptor from "./generated/descriptor.json";

export const protocolRoot = Root.fromJSON(descriptor as unknown as INamespace);

const lookup = (name: string): Type => protocolRoot.lookupType(name);
const ToFunctionType = lookup("io.statefun.sdk.reqreply.ToFunction");
const FromFunctionType = lookup("io.statefun.sdk.reqreply.FromFunction");

/** Resolved message types, shared with typed-values.ts so the schema is compiled once per process. */
export const protoTypes = {
  ToFunction: ToFunctionType,
  FromFunction: FromFunctionType,
  TypedValue: lookup("io.statefun.sdk.reqreply.TypedValue"),
  BooleanWrapper: lookup("io.statefun.sdk.types.BooleanWrapper"),
  IntWrapper: lookup("io.statefun.sdk.types.IntWrapper"),
  LongWrapper: lookup("io.statefun.sdk.types.LongWrapper"),
  FloatWrapper: lookup("io.statefun.sdk.types.FloatWrapper"),
  DoubleWrapper: lookup("io.statefun.sdk.types.DoubleWrapper"),
  StringWrapper: lookup("io.statefun.sdk.types.StringWrapper"),
  KafkaProducerRecord: lookup("io.statefun.sdk.egress.KafkaProducerRecord"),
  KinesisEgressRecord: lookup("io.statefun.sdk.egress.KinesisEgressRecord"),
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Message shapes (as decoded)
// ---------------------------------------------------------------------------------------------------------------

export interface Address {
  namespace: string;
  type: string;
  id: string;
}

/** `hasValue=false` is null; `hasValue=true` with empty `value` is a zero value (0, false, ""). Keep them apart. */
export interface TypedValue {
  typename: string;
  hasValue: boolean;
  value: Uint8Array;
}

export interface PersistedValue {
  stateName: string;
  /** null: the state is registered but holds no value (never written, deleted or expired). */
  stateValue: TypedValue | null;
}

export interface ToFunctionInvocation {
  /** null for messages that came from an ingress. */
  caller: Address | null;
  argument: TypedValue | null;
}

export interface InvocationBatchRequest {
  target: Address | null;
  state: PersistedValue[];
  invocations: ToFunctionInvocation[];
}

export interface ToFunction {
  invocation?: InvocationBatchRequest;
}

export type MutationType = "DELETE" | "MODIFY";
export type ExpireMode = "NONE" | "AFTER_WRITE" | "AFTER_INVOKE";

export interface PersistedValueMutation {
  mutationType: MutationType;
  stateName: string;
  /** Set for MODIFY, null for DELETE. */
  stateValue: TypedValue | null;
}

export interface FromFunctionInvocation {
  target: Address | null;
  argument: TypedValue | null;
}

export interface DelayedInvocation {
  delayInMs: number;
  target: Address | null;
  argument: TypedValue | null;
  isCancellationRequest: boolean;
  cancellationToken: string;
}

export interface EgressMessage {
  egressNamespace: string;
  egressType: string;
  argument: TypedValue | null;
}

export interface InvocationResponse {
  stateMutations: PersistedValueMutation[];
  outgoingMessages: FromFunctionInvocation[];
  delayedInvocations: DelayedInvocation[];
  outgoingEgresses: EgressMessage[];
}

export interface ExpirationSpec {
  mode: ExpireMode;
  expireAfterMillis: number;
}

export interface PersistedValueSpec {
  stateName: string;
  /** Always set once decoded: an absent spec (JS SDK) and an empty one (Python SDK) both mean NONE. */
  expirationSpec: ExpirationSpec;
  typeTypename: string;
}

export interface IncompleteInvocationContext {
  missingValues: PersistedValueSpec[];
}

/** Neither member set (e.g. an empty body) means "done, no side effects" (protocol §1.2). */
export interface FromFunction {
  invocationResult?: InvocationResponse;
  incompleteInvocationContext?: IncompleteInvocationContext;
}

/**
 * What the encoders accept: the decoded shape with every field optional or null, as proto3 allows. Omitted and
 * default values are left off the wire, exactly as other StateFun implementations do.
 */
export type Encodable<T> = T extends Uint8Array
  ? Uint8Array
  : T extends readonly (infer U)[]
    ? readonly Encodable<U>[]
    : T extends object
      ? { [K in keyof T]?: Encodable<T[K]> | null }
      : T;

/** The bytes are not a well-formed message of the expected type. */
export class MalformedMessageError extends Error {
  /** What was wrong, without the message type and size. */
  readonly reason: string;
  constructor(messageType: string, byteLength: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`malformed ${messageType} (${byteLength} bytes): ${reason}`, { cause });
    this.name = "MalformedMessageError";
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encode / decode
// ---------------------------------------------------------------------------------------------------------------

const DECODE_OPTIONS: IConversionOptions = { longs: Number, enums: String, defaults: true, arrays: true };

/** Hot path: ToFunction has no enums or int64, so the plain object goes straight to the generated encoder. */
export function encodeToFunction(msg: Encodable<ToFunction>): Uint8Array {
  return ToFunctionType.encode(msg as Record<string, unknown>).finish();
}

export function decodeToFunction(bytes: Uint8Array): ToFunction {
  let decoded;
  try {
    decoded = ToFunctionType.decode(bytes);
  } catch (e) {
    throw new MalformedMessageError("ToFunction", bytes.length, e);
  }
  return ToFunctionType.toObject(decoded, DECODE_OPTIONS) as ToFunction;
}

/** fromObject maps enum names ("MODIFY") to numbers; only functions and tests encode this direction. */
export function encodeFromFunction(msg: Encodable<FromFunction>): Uint8Array {
  return FromFunctionType.encode(FromFunctionType.fromObject(msg as Record<string, unknown>)).finish();
}

export function decodeFromFunction(bytes: Uint8Array): FromFunction {
  let out: FromFunction;
  try {
    out = FromFunctionType.toObject(FromFunctionType.decode(bytes), DECODE_OPTIONS) as FromFunction;
  } catch (e) {
    throw new MalformedMessageError("FromFunction", bytes.length, e);
  }
  if (out.invocationResult) {
    for (const m of out.invocationResult.stateMutations) {
      // toObject leaves enum values it does not know as numbers; the runtime treats those as fatal (§2.5).
      if (typeof m.mutationType !== "string")
        throw new MalformedMessageError("FromFunction", bytes.length, `unknown MutationType ${m.mutationType} for state "${m.stateName}"`);
    }
  }
  if (out.incompleteInvocationContext) {
    for (const spec of out.incompleteInvocationContext.missingValues) {
      if (!spec.expirationSpec) spec.expirationSpec = { mode: "NONE", expireAfterMillis: 0 };
      else if (typeof spec.expirationSpec.mode !== "string")
        throw new MalformedMessageError("FromFunction", bytes.length, `unknown ExpireMode ${spec.expirationSpec.mode} for state "${spec.stateName}"`);
    }
  }
  return out;
}
