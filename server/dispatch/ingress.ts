import { createHash, randomUUID } from "node:crypto";
import type { Ctx } from "../context";
import { AppError } from "../errors";
import type { ErrorCode } from "../contracts/errors";
import type { RegistrySnapshot } from "../registry/registry-snapshot";
import { liveRegistry } from "../registry/live-registry";
import { encodePrimitive, isPrimitiveTypename, PRIMITIVE_TYPENAMES } from "../protocol/typed-values";
import { checkAddressString, typenameProblem } from "../contracts/names";
import { isBase64 } from "../contracts/common";
import type { DataPlane } from "./data-plane";
import { encodeEntry } from "./entries";
import { functionTypeOf } from "./keys";
import { planeOf } from "./plane";

export interface IngressMessage {
  target: string;
  typename: string;
  value: Buffer;
  idempotencyKey?: string;
}

export type IngressResult = { ok: true; messageId: string; duplicate: boolean } | { ok: false; code: ErrorCode; message: string };


/** A retried request with the same key gets the same message id back. */
const messageIdFor = (target: string, key?: string) =>
  key ? `k-${createHash("sha256").update(`${target}\0${key}`).digest("base64url").slice(0, 24)}` : randomUUID();

/** The messages' entries for the enqueue, and the results of those refused before it (`unbound`: any for want of an endpoint). */
function prepare(reg: RegistrySnapshot, msgs: IngressMessage[]) {
  const out: IngressResult[] = new Array(msgs.length);
  const items: Parameters<DataPlane["enqueue"]>[0] = [];
  const idx: number[] = [];
  const ids: string[] = [];
  let unbound = false;
  const now = Date.now();
  msgs.forEach((m, i) => {
    const addr = checkAddressString(m.target);
    if (!addr.ok) return (out[i] = { ok: false, code: "bad-request", message: addr.problem });
    const bad = typenameProblem(m.typename);
    if (bad) return (out[i] = { ok: false, code: "bad-request", message: bad });
    const functionType = functionTypeOf(addr);
    const ep = reg.resolve(functionType);
    if (!ep) {
      unbound = true;
      return (out[i] = { ok: false, code: "function-type-not-bound", message: `no endpoint binds ${functionType}; register one (e.g. ${addr.namespace}/*) first` });
    }
    const id = messageIdFor(m.target, m.idempotencyKey);
    items.push({
      address: m.target,
      functionType,
      entry: encodeEntry(id, now, null, { typename: m.typename, hasValue: true, value: m.value }),
      cap: ep.maxNumBatchRequests,
      idempotencyKey: m.idempotencyKey,
    });
    idx.push(i);
    ids.push(id);
  });
  return { out, items, idx, ids, unbound };
}

/**
 * Validates and enqueues ingress messages (no caller: protocol §2.9). Messages to a paused application are
 * accepted and wait; an unbound function type is refused; a mailbox at the endpoint's `maxNumBatchRequests`
 * is refused with mailbox-full, per message — a bad message never drops the good ones.
 */
export async function ingest(ctx: Ctx, msgs: IngressMessage[], registry?: RegistrySnapshot): Promise<IngressResult[]> {
  let reg = registry ?? (await liveRegistry(ctx)).current;
  let p = prepare(reg, msgs);
  if (p.unbound && !registry) {
    // A type bound a moment ago is in Postgres before its announcement reaches this process's cache: before
    // refusing, compare the cache with the registry version (one GET; a reload only when it is behind).
    const cache = await liveRegistry(ctx);
    await cache.refreshIfStale();
    if (cache.current !== reg) p = prepare((reg = cache.current), msgs);
  }
  const { out, items, idx, ids } = p;
  if (items.length) {
    const res = await planeOf(ctx).enqueue(items, ctx.env.INGRESS_IDEMPOTENCY_HOURS * 3_600_000);
    res.forEach((r, j) => {
      const i = idx[j];
      out[i] =
        r === "mailbox-full"
          ? { ok: false, code: "mailbox-full", message: `the mailbox of ${msgs[i].target} is full (maxNumBatchRequests ${reg.resolve(items[j].functionType)!.maxNumBatchRequests}); retry later` }
          : { ok: true, messageId: ids[j], duplicate: r === "duplicate" };
    });
  }
  return out;
}

/** The body of a single-message ingress request, typed by its Content-Type (playground-compatible). */
export function typedBody(contentType: string | null, body: Buffer): { typename: string; value: Buffer } {
  const ct = (contentType ?? "").split(";")[0].trim();
  const vnd = /^application\/vnd\.(.+)$/i.exec(ct);
  if (vnd) {
    const bad = typenameProblem(vnd[1], "the typename of Content-Type application/vnd.<typename>");
    if (bad) throw new AppError("unsupported-media-type", `${bad}; e.g. application/vnd.example/GreetRequest`);
    return { typename: vnd[1], value: body };
  }
  if (/^text\/plain$/i.test(ct))
    return { typename: PRIMITIVE_TYPENAMES.string, value: Buffer.from(encodePrimitive(PRIMITIVE_TYPENAMES.string, body.toString("utf8"))) };
  throw new AppError(
    "unsupported-media-type",
    `send Content-Type application/vnd.<typename> (the body is the value's bytes) or text/plain (sent as io.statefun.types/string), not ${ct || "nothing"}`,
  );
}

/** One NDJSON line of the batch ingress: `{target, typename, value? (JSON) | base64?, idempotencyKey?}`. */
export function batchLine(line: unknown): IngressMessage {
  if (typeof line !== "object" || line === null || Array.isArray(line)) throw new Error("each line must be a JSON object");
  const l = line as Record<string, unknown>;
  if (typeof l.target !== "string") throw new Error('"target" (namespace/type/id) is required');
  if (typeof l.typename !== "string") throw new Error('"typename" is required');
  if (l.idempotencyKey !== undefined && (typeof l.idempotencyKey !== "string" || l.idempotencyKey.length > 200)) throw new Error('"idempotencyKey" must be a string of at most 200 characters');
  if (l.base64 !== undefined && l.value !== undefined) throw new Error('give one of "value" (JSON) or "base64", not both');
  let value: Buffer;
  if (l.base64 !== undefined) {
    if (typeof l.base64 !== "string" || !isBase64(l.base64)) throw new Error('"base64" must be standard base64 (A–Z a–z 0–9 + /, padded with = to a multiple of 4)');
    value = Buffer.from(l.base64, "base64");
  } else if ("value" in l) {
    if (isPrimitiveTypename(l.typename)) {
      try {
        value = Buffer.from(encodePrimitive(l.typename, l.value as never));
      } catch (e) {
        throw new Error(`"value" is not a valid ${l.typename}: ${(e as Error).message}`, { cause: e });
      }
    } else value = Buffer.from(JSON.stringify(l.value));
  } else throw new Error('one of "value" (JSON) or "base64" is required');
  return { target: l.target, typename: l.typename, value, idempotencyKey: l.idempotencyKey as string | undefined };
}
