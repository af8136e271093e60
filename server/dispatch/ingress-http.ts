import type { Ctx } from "../context";
import type { HeaderSource } from "../auth/authenticate";
import { AppError } from "../errors";
import { IDEMPOTENCY_HEADER } from "../contracts/messages";
import { batchLine, ingest, typedBody, type IngressMessage } from "./ingress";

/** The HTTP shapes of the ingress, shared by the Next route handlers and the lean ingress listener. */
export async function sendOne(ctx: Ctx, headers: HeaderSource, a: { namespace: string; type: string; id: string }, body: Buffer) {
  if (body.length > ctx.env.INGRESS_MAX_BYTES) throw new AppError("payload-too-large", `the message is ${body.length} bytes; the limit is ${ctx.env.INGRESS_MAX_BYTES} (INGRESS_MAX_BYTES)`);
  const { typename, value } = typedBody(headers.get("content-type"), body);
  const key = headers.get(IDEMPOTENCY_HEADER) ?? undefined;
  if (key !== undefined && (key.length === 0 || key.length > 200)) throw new AppError("bad-request", "the Idempotency-Key header must be 1–200 characters");
  const [r] = await ingest(ctx, [{ target: `${a.namespace}/${a.type}/${a.id}`, typename, value, idempotencyKey: key }]);
  if (!r.ok) throw new AppError(r.code, r.message);
  return r.duplicate ? { messageId: r.messageId, duplicate: true } : { messageId: r.messageId };
}

export async function sendBatch(ctx: Ctx, text: string) {
  const rejected: Array<{ line: number; code: string; error: string }> = [];
  const msgs: IngressMessage[] = [];
  const lineOf: number[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      const m = batchLine(JSON.parse(raw));
      if (m.value.length > ctx.env.INGRESS_MAX_BYTES) throw new Error(`the value is larger than ${ctx.env.INGRESS_MAX_BYTES} bytes`);
      msgs.push(m);
      lineOf.push(i + 1);
    } catch (e) {
      rejected.push({ line: i + 1, code: "bad-request", error: e instanceof SyntaxError ? `not valid JSON: ${e.message}` : (e as Error).message });
    }
  });
  if (msgs.length === 0 && rejected.length === 0) throw new AppError("bad-request", "the body has no messages; send NDJSON, one message object per line");
  if (msgs.length === 0)
    throw new AppError("bad-request", `no line is a valid message; line ${rejected[0].line}: ${rejected[0].error}`, { rejected: rejected.slice(0, 100) });
  const results = msgs.length ? await ingest(ctx, msgs) : [];
  let accepted = 0;
  let duplicates = 0;
  results.forEach((r, j) => {
    if (r.ok) {
      accepted++;
      if (r.duplicate) duplicates++;
    } else rejected.push({ line: lineOf[j], code: r.code, error: r.message });
  });
  rejected.sort((a, b) => a.line - b.line);
  return { accepted, duplicates, rejected };
}
