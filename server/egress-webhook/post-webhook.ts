import { UnrecoverableError } from "bullmq";
import { request, type Dispatcher } from "undici";
import { hostRefusalIn } from "../net/host-policy";

export interface WebhookPost {
  url: string;
  /** The record id: receivers de-duplicate on it. */
  idempotencyKey: string;
  json: string;
  timeoutMs: number;
  /** A guarded Agent (server/net/guarded-agent.ts): it is what applies the host policy. */
  dispatcher: Dispatcher;
}

/**
 * One delivery attempt. Redirects are not followed (undici's `request` never follows one; `fetch` would): the
 * host policy was checked for the URL and its addresses, not for wherever a Location header points. A 3xx
 * fails the attempt like any other non-2xx. A host the policy refuses fails the job for good: retrying cannot
 * help until the egress or the configuration changes.
 */
export async function postWebhook(p: WebhookPost): Promise<void> {
  let status: number;
  try {
    const res = await request(p.url, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": p.idempotencyKey, "user-agent": "statehouse-webhook" },
      body: p.json,
      signal: AbortSignal.timeout(p.timeoutMs),
      dispatcher: p.dispatcher,
    });
    status = res.statusCode;
    await res.body.dump();
  } catch (e) {
    const refused = hostRefusalIn(e);
    if (refused) throw new UnrecoverableError(`POST ${p.url}: refused before connecting: ${refused.message}`);
    throw e;
  }
  if (status >= 300 && status < 400)
    throw new Error(`POST ${p.url} answered HTTP ${status}; redirects are not followed, so the URL must be the receiver's own`);
  if (status < 200 || status > 299) throw new Error(`POST ${p.url} answered HTTP ${status}`);
}
