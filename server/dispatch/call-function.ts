import type { HostPolicy } from "../net/host-policy";
import { postToFunction, TransportError } from "../protocol/transport";
import type { BoundEndpoint } from "../registry/registry-snapshot";

/** Every retry budget is spent: the address parks with this. */
export class CallFailedError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

// OkHttp retries only these statuses; every other non-2xx fails at once (protocol §3.1).
const OKHTTP_RETRYABLE = new Set([408, 409, 420, 429, 499]);
const OKHTTP = "io.statefun.transports.v1/okhttp";
/** A retry is not started with less budget than this left: it could not finish and would only hide the real error. */
const MIN_RETRY_BUDGET_MS = 20;

export interface CallHooks {
  onAttempt?(latencyMs: number, ok: boolean): void;
  signal?: AbortSignal;
  /** Default: the process configuration's (see PostOptions.hostPolicy). */
  hostPolicy?: HostPolicy;
}

/**
 * One logical call with StateFun's async-transport retry semantics: any failed attempt is retried with
 * `2 ms × 2^attempt` backoff until the endpoint's `call` budget is spent (each attempt gets the remaining
 * budget). The OkHttp transport fails fast on non-retryable statuses. When the budget runs out during a retry,
 * the error reported is still the one that caused the retries (the cut-off is named after it).
 */
export async function callFunction(url: string, body: Uint8Array, ep: BoundEndpoint, hooks: CallHooks = {}): Promise<Uint8Array> {
  const deadline = Date.now() + ep.callTimeoutMs;
  let attempt = 0;
  let last = "";
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining < (attempt === 0 ? 1 : MIN_RETRY_BUDGET_MS)) break;
    attempt++;
    const t0 = performance.now();
    try {
      const r = await postToFunction(url, body, { connectTimeoutMs: Math.min(ep.connectTimeoutMs, remaining), callTimeoutMs: remaining, signal: hooks.signal, hostPolicy: hooks.hostPolicy });
      const ok = r.status >= 200 && r.status < 300;
      hooks.onAttempt?.(r.latencyMs, ok);
      if (ok) return r.body;
      last = `HTTP ${r.status}${r.body.length ? `: ${Buffer.from(r.body.subarray(0, 200)).toString("utf8")}` : ""}`;
      if (ep.transportType === OKHTTP && r.status < 500 && !OKHTTP_RETRYABLE.has(r.status)) break;
    } catch (e) {
      hooks.onAttempt?.(performance.now() - t0, false);
      if (e instanceof TransportError && e.kind === "aborted") throw e;
      // A refused host stays refused until the configuration or the endpoint changes: park at once.
      if (e instanceof TransportError && e.kind === "host-not-allowed")
        throw new CallFailedError(`calling ${url} failed: ${e.message.replace(`POST ${url}: `, "")} (not retried)`, attempt);
      const cutByBudget = e instanceof TransportError && e.kind === "call-timeout" && attempt > 1 && last !== "";
      last = cutByBudget ? `${last} (then the budget ran out during attempt ${attempt})` : (e as Error).message;
    }
    const backoff = Math.min(2 * 2 ** attempt, deadline - Date.now() - MIN_RETRY_BUDGET_MS);
    if (backoff < 0) break;
    await new Promise((r) => setTimeout(r, backoff));
  }
  throw new CallFailedError(`calling ${url} failed after ${attempt} attempt${attempt === 1 ? "" : "s"} within the ${ep.callTimeoutMs} ms call budget; last error: ${last}`, attempt);
}
