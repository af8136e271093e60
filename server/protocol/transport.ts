/**
 * One HTTP attempt against a remote function: POST a serialized ToFunction, return the status and the whole body.
 *
 * Retries, backoff and the meaning of a status are the caller's business (the probe fails fast; the dispatcher
 * retries per protocol §3.1). Transport-level failures are thrown as TransportError with a `kind` a caller can
 * branch on. Connections are kept alive in one undici Agent per connect timeout, shared by every caller.
 */
import { Agent, request, type Dispatcher } from "undici";

// Exactly these: the Go SDK answers 415 to any other non-empty Content-Type (protocol §2.1).
const HEADERS = {
  "content-type": "application/octet-stream",
  accept: "application/octet-stream",
  "user-agent": "statefun",
} as const;

export interface PostOptions {
  /** TCP (and TLS) connect deadline, per connection. */
  connectTimeoutMs: number;
  /** Budget for the whole attempt: connect, send, wait for headers and read the body. */
  callTimeoutMs: number;
  /** Larger bodies are refused (kind "response-too-large"). Default 64 MiB. */
  maxResponseBytes?: number;
  /** Aborts the attempt (kind "aborted"), e.g. on worker shutdown. */
  signal?: AbortSignal;
  /** Defaults to the shared keep-alive Agent for `connectTimeoutMs`. */
  dispatcher?: Dispatcher;
}

export interface FunctionReply {
  status: number;
  /** The Go SDK sends none, so callers must not require one. */
  contentType: string | undefined;
  body: Uint8Array;
  latencyMs: number;
}

export type TransportFailure =
  | "connection-refused"
  | "dns"
  | "connect-timeout"
  | "call-timeout"
  | "connection-reset"
  | "network"
  | "aborted"
  | "response-too-large";

export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TransportError";
  }
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const agents = new Map<number, Agent>();
const MAX_CONNECTIONS_PER_ORIGIN = 256;

function agentFor(connectTimeoutMs: number): Agent {
  let agent = agents.get(connectTimeoutMs);
  if (!agent) {
    // A bounded pool per origin: without a limit every concurrent call opens its own socket (measured: 7,000+
    // connections to one function under load). Calls beyond it queue in undici.
    agent = new Agent({ connect: { timeout: connectTimeoutMs }, connections: MAX_CONNECTIONS_PER_ORIGIN, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
    agents.set(connectTimeoutMs, agent);
  }
  return agent;
}

/** Closes the shared Agents (graceful shutdown, test teardown). Later calls open new ones. */
export async function closeTransport(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close()));
}

function errorCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const err = e as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof err.code === "string") return err.code;
  // Happy-eyeballs connects (localhost → ::1 and 127.0.0.1) fail with an AggregateError of per-address errors.
  if (Array.isArray(err.errors)) return errorCode(err.errors[0]);
  return err.cause ? errorCode(err.cause) : undefined;
}

function classify(e: unknown, url: string, opts: PostOptions, timedOut: boolean): TransportError {
  if (e instanceof TransportError) return e;
  const code = errorCode(e);
  const detail = (e instanceof Error && e.message) || String(e);
  const fail = (kind: TransportFailure, what: string) => new TransportError(kind, url, `POST ${url}: ${what}`, { cause: e });
  if (timedOut) return fail("call-timeout", `no complete reply within the ${opts.callTimeoutMs} ms call timeout`);
  if (opts.signal?.aborted) return fail("aborted", "aborted");
  switch (code) {
    case "ECONNREFUSED":
      return fail("connection-refused", `connection refused (${detail})`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return fail("dns", `host not found (${detail})`);
    case "UND_ERR_CONNECT_TIMEOUT":
      return fail("connect-timeout", `no connection within the ${opts.connectTimeoutMs} ms connect timeout`);
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return fail("call-timeout", `no complete reply within the ${opts.callTimeoutMs} ms call timeout`);
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return fail("connection-reset", `connection closed by the function (${detail})`);
    default:
      return fail("network", code ? `${detail} (${code})` : detail);
  }
}

export async function postToFunction(url: string, body: Uint8Array, opts: PostOptions): Promise<FunctionReply> {
  // One controller and one timer per call: AbortSignal.timeout + AbortSignal.any cost ~3% of a worker's CPU.
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new DOMException(`call timeout of ${opts.callTimeoutMs} ms`, "TimeoutError"));
  }, opts.callTimeoutMs);
  const outer = opts.signal;
  const onAbort = () => ac.abort(outer!.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  const signal = ac.signal;
  const max = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const started = performance.now();
  try {
    const res = await request(url, {
      method: "POST",
      headers: HEADERS,
      body,
      signal,
      dispatcher: opts.dispatcher ?? agentFor(opts.connectTimeoutMs),
      // undici's own 300 s defaults would otherwise cut calls configured longer than that.
      headersTimeout: opts.callTimeoutMs,
      bodyTimeout: opts.callTimeoutMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) {
        res.body.destroy();
        throw new TransportError("response-too-large", url, `POST ${url}: reply exceeds ${max} bytes`);
      }
      chunks.push(chunk);
    }
    const ct = res.headers["content-type"];
    return {
      status: res.statusCode,
      contentType: Array.isArray(ct) ? ct[0] : ct,
      body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
      latencyMs: performance.now() - started,
    };
  } catch (e) {
    throw classify(e, url, opts, timedOut);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}
