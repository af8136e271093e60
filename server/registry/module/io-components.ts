import { parseFlinkDuration } from "@/server/contracts/duration";
import { TYPENAME_RE } from "@/server/contracts/common";
import { INT32_MAX } from "@/server/contracts/registry";
import {
  KAFKA_EGRESS,
  KINESIS_EGRESS,
  PLAYGROUND_EGRESS,
  WEBHOOK_EGRESS,
  PLAYGROUND_EGRESS_ID,
  PLAYGROUND_INGRESS,
  PLAYGROUND_INGRESS_ID,
} from "./kinds";

/**
 * An ingress or egress as declared in a module. `spec` is exactly the component spec to export: for the
 * playground kinds only the fields the playground reads; for Kafka/Kinesis the spec as written (with `id`).
 */
export interface IoComponent {
  id: string;
  kind: string;
  spec: Record<string, unknown>;
}

/** A problem inside one component spec; `path` is relative to `spec`. The parser adds the document prefix. */
export class SpecIssue extends Error {
  constructor(
    readonly path: Array<string | number>,
    message: string,
    readonly code: "invalid-module" | "invalid-duration" = "invalid-module",
  ) {
    super(message);
    this.name = "SpecIssue";
  }
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const present = (v: unknown) => v !== undefined && v !== null;
const describe = (v: unknown) => (Array.isArray(v) ? "a list" : v === null ? "null" : typeof v === "object" ? "a mapping" : `${typeof v} ${JSON.stringify(v)}`);

function object(path: Array<string | number>, v: unknown): Obj {
  if (!isObject(v)) throw new SpecIssue(path, `must be a mapping, not ${describe(v)}`);
  return v;
}

function string(path: Array<string | number>, v: unknown): string {
  if (typeof v !== "string" || v.trim() === "") throw new SpecIssue(path, `must be a non-empty string, not ${describe(v)}`);
  return v;
}

function optionalString(path: Array<string | number>, v: unknown): void {
  if (present(v)) string(path, v);
}

function typename(path: Array<string | number>, v: unknown, what: string): string {
  if (!present(v)) throw new SpecIssue(path, `is required: the ${what} as \`namespace/name\``);
  const s = string(path, v);
  if (!TYPENAME_RE.test(s))
    throw new SpecIssue(path, `"${s}" is not a typename; write it as \`namespace/name\` (exactly one \`/\`, no spaces)`);
  return s;
}

function port(path: Array<string | number>, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535)
    throw new SpecIssue(path, `must be a TCP port number (1-65535), not ${describe(v)}`);
  return v;
}

function oneOf<T extends string>(path: Array<string | number>, v: unknown, options: readonly T[]): T {
  if (typeof v !== "string" || !(options as readonly string[]).includes(v))
    throw new SpecIssue(path, `must be one of ${options.join(", ")}, not ${describe(v)}`);
  return v as T;
}

/** Kafka and Kinesis read these into Java ints; so does the webhook egress's attempt counter. */
function positiveInt(path: Array<string | number>, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > INT32_MAX)
    throw new SpecIssue(path, `must be a whole number from 1 to ${INT32_MAX}, not ${describe(v)}`);
}

function positiveDuration(path: Array<string | number>, v: unknown): void {
  if (typeof v !== "string" && typeof v !== "number")
    throw new SpecIssue(path, `must be a duration such as \`15 min\`, not ${describe(v)}`, "invalid-duration");
  const r = parseFlinkDuration(v);
  if (!r.ok) throw new SpecIssue(path, r.message, "invalid-duration");
  if (r.ms <= 0) throw new SpecIssue(path, "must be greater than 0", "invalid-duration");
}

/** Kafka `properties[]` / Kinesis `clientConfigProperties[]`: a list of single-key maps of scalar values. */
function propertyList(path: Array<string | number>, v: unknown): void {
  if (!present(v)) return;
  if (!Array.isArray(v)) throw new SpecIssue(path, `must be a list of single-key mappings (e.g. \`- max.request.size: 1048576\`), not ${describe(v)}`);
  v.forEach((item, i) => {
    const keys = isObject(item) ? Object.keys(item) : [];
    if (keys.length !== 1)
      throw new SpecIssue([...path, i], `each entry must be a mapping with exactly one key (e.g. \`- max.request.size: 1048576\`), not ${describe(item)}`);
    const value = (item as Obj)[keys[0]];
    if (!["string", "number", "boolean"].includes(typeof value))
      throw new SpecIssue([...path, i, keys[0]], `must be a string, number or boolean, not ${describe(value)}`);
  });
}

function playgroundIngress(spec: Obj): IoComponent {
  if (!present(spec.port)) throw new SpecIssue(["port"], "is required: the port the playground ingress listens on (e.g. 8090)");
  return { id: PLAYGROUND_INGRESS_ID, kind: PLAYGROUND_INGRESS, spec: { port: port(["port"], spec.port) } };
}

function playgroundEgress(spec: Obj): IoComponent {
  const out: Obj = {};
  if (present(spec.port)) out.port = port(["port"], spec.port);
  if (!Array.isArray(spec.topics) || spec.topics.length === 0)
    throw new SpecIssue(["topics"], `must be a non-empty list of topic names (e.g. \`topics: [greetings]\`), not ${describe(spec.topics)}`);
  out.topics = spec.topics.map((t, i) => string(["topics", i], t));
  return { id: PLAYGROUND_EGRESS_ID, kind: PLAYGROUND_EGRESS, spec: out };
}

function kafkaEgress(spec: Obj): IoComponent {
  const id = typename(["id"], spec.id, "egress id functions send to");
  optionalString(["address"], spec.address);
  if (present(spec.deliverySemantic)) {
    const ds = object(["deliverySemantic"], spec.deliverySemantic);
    const type = oneOf(["deliverySemantic", "type"], ds.type, ["exactly-once", "at-least-once", "none"] as const);
    if (present(ds.transactionTimeout)) positiveDuration(["deliverySemantic", "transactionTimeout"], ds.transactionTimeout);
    if (present(ds.transactionTimeoutMillis)) positiveInt(["deliverySemantic", "transactionTimeoutMillis"], ds.transactionTimeoutMillis);
    if (type === "exactly-once" && !present(ds.transactionTimeout) && !present(ds.transactionTimeoutMillis))
      throw new SpecIssue(
        ["deliverySemantic", "transactionTimeout"],
        "is required for exactly-once delivery: set it to at most the broker's transaction.max.timeout.ms (e.g. `transactionTimeout: 15 min`)",
      );
  }
  propertyList(["properties"], spec.properties);
  return { id, kind: KAFKA_EGRESS, spec: { ...spec } };
}

function kinesisEgress(spec: Obj): IoComponent {
  const id = typename(["id"], spec.id, "egress id functions send to");
  if (present(spec.awsRegion)) {
    const region = object(["awsRegion"], spec.awsRegion);
    const type = oneOf(["awsRegion", "type"], region.type, ["default", "specific", "custom-endpoint"] as const);
    if (type === "specific" || type === "custom-endpoint") string(["awsRegion", "id"], region.id);
    if (type === "custom-endpoint") string(["awsRegion", "endpoint"], region.endpoint);
  }
  if (present(spec.awsCredentials)) {
    const creds = object(["awsCredentials"], spec.awsCredentials);
    const type = oneOf(["awsCredentials", "type"], creds.type, ["default", "basic", "profile"] as const);
    if (type === "basic") {
      string(["awsCredentials", "accessKeyId"], creds.accessKeyId);
      string(["awsCredentials", "secretAccessKey"], creds.secretAccessKey);
    }
    if (type === "profile") {
      string(["awsCredentials", "profileName"], creds.profileName);
      optionalString(["awsCredentials", "profilePath"], creds.profilePath);
    }
  }
  if (present(spec.maxOutstandingRecords)) positiveInt(["maxOutstandingRecords"], spec.maxOutstandingRecords);
  propertyList(["clientConfigProperties"], spec.clientConfigProperties);
  return { id, kind: KINESIS_EGRESS, spec: { ...spec } };
}

function webhookEgress(spec: Obj): IoComponent {
  const id = typename(["id"], spec.id, "egress id functions send to");
  const url = string(["url"], spec.url);
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {}
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
    throw new SpecIssue(["url"], `must be an http(s) URL to POST each record to, not ${describe(spec.url)}`);
  const out: Obj = { id, url };
  if (present(spec.timeout)) {
    positiveDuration(["timeout"], spec.timeout);
    out.timeout = spec.timeout;
  }
  if (present(spec.maxAttempts)) {
    positiveInt(["maxAttempts"], spec.maxAttempts);
    out.maxAttempts = spec.maxAttempts;
  }
  return { id, kind: WEBHOOK_EGRESS, spec: out };
}

const INGRESS: Record<string, (spec: Obj) => IoComponent> = { [PLAYGROUND_INGRESS]: playgroundIngress };
const EGRESS: Record<string, (spec: Obj) => IoComponent> = {
  [PLAYGROUND_EGRESS]: playgroundEgress,
  [KAFKA_EGRESS]: kafkaEgress,
  [KINESIS_EGRESS]: kinesisEgress,
  [WEBHOOK_EGRESS]: webhookEgress,
};

export const isIngressKind = (kind: string) => Object.hasOwn(INGRESS, kind);
export const isEgressKind = (kind: string) => Object.hasOwn(EGRESS, kind);

/** Validates an ingress or egress spec of a supported kind; throws SpecIssue. */
export function normalizeIoComponent(kind: string, spec: Obj): IoComponent {
  const fn = INGRESS[kind] ?? EGRESS[kind];
  if (!fn) throw new SpecIssue([], `unsupported ingress/egress kind ${kind}`);
  return fn(spec);
}
