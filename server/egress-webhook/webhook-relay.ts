import { Queue, Worker, type Job } from "bullmq";
import { hostname } from "node:os";
import type { Agent } from "undici";
import type { Ctx } from "../context";
import { parseFlinkDuration } from "../contracts/duration";
import type { RegistryCache } from "../registry/registry-cache";
import { WEBHOOK_EGRESS } from "../registry/module/kinds";
import { planeOf } from "../dispatch/plane";
import type { Partitioning } from "../dispatch/keys";
import { describeValue } from "../protocol/typed-values";
import { guardedAgent } from "../net/guarded-agent";
import { hostPolicyOf } from "../net/host-policy";
import { postWebhook } from "./post-webhook";

export const WEBHOOK_QUEUE = "egress-webhook";
const GROUP = "webhook";
const POLL_MS = 200;
const RECLAIM_IDLE_MS = 10_000;
const DEFAULT_ATTEMPTS = 10;
const CONNECT_TIMEOUT_MS = 10_000;

interface DeliveryJob {
  streamKey: string;
  recordId: string;
  egress: string;
  application: string;
  url: string;
  timeoutMs: number;
}

/**
 * Delivers the records of `io.statehouse.webhook.v1/egress` egresses to their URL. The commit script already
 * put each record in the egress stream, exactly once; a consumer group hands each stream entry to one relay,
 * which turns it into a BullMQ job whose id is the stream entry (so a relay that dies between enqueueing and
 * acknowledging cannot make a second job), and the job POSTs with exponential-backoff retries.
 * Delivery is at-least-once: receivers de-duplicate on the `Idempotency-Key` header (the record id).
 * Every POST goes through one Agent guarded by the host policy (STATEHOUSE_FUNCTION_HOSTS), and follows no
 * redirect.
 */
export class WebhookRelay {
  private queue!: Queue<DeliveryJob>;
  private worker!: Worker<DeliveryJob>;
  private agent?: Agent;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly consumer = `${hostname()}-${process.pid}`;
  private readonly keys: Partitioning;
  private readonly groupsMade = new Set<string>();

  constructor(
    private readonly ctx: Ctx,
    private readonly registry: RegistryCache,
  ) {
    this.keys = planeOf(ctx).keys;
  }

  private get connection() {
    return { url: this.ctx.env.REDIS_URL, maxRetriesPerRequest: null } as const;
  }

  async start(): Promise<void> {
    const prefix = this.ctx.keys.bullPrefix;
    this.agent = guardedAgent(hostPolicyOf(this.ctx.env), CONNECT_TIMEOUT_MS);
    this.queue = new Queue(WEBHOOK_QUEUE, { connection: this.connection, prefix });
    this.worker = new Worker(WEBHOOK_QUEUE, (job) => this.deliver(job), { connection: this.connection, prefix, concurrency: 16 });
    this.worker.on("failed", (job, err) => this.ctx.log.warn({ err: err.message, record: job?.data.recordId, attempts: job?.attemptsMade }, "webhook delivery failed"));
    this.worker.on("error", (err) => this.ctx.log.warn({ err }, "webhook worker error"));
    const tick = async () => {
      if (this.stopped) return;
      await this.poll().catch((err) => this.ctx.log.warn({ err }, "webhook relay poll failed"));
      if (!this.stopped) this.timer = setTimeout(tick, POLL_MS);
    };
    void tick();
  }

  private webhooks() {
    const out: Array<{ application: string; id: string; url: string; timeoutMs: number; attempts: number }> = [];
    for (const [application, egresses] of this.registry.current.egresses)
      for (const e of egresses.values())
        if (e.kind === WEBHOOK_EGRESS) {
          const t = e.spec.timeout !== undefined ? parseFlinkDuration(e.spec.timeout as string) : null;
          out.push({ application, id: e.id, url: String(e.spec.url), timeoutMs: t && t.ok ? t.ms : 10_000, attempts: Number(e.spec.maxAttempts ?? DEFAULT_ATTEMPTS) });
        }
    return out;
  }

  private async poll(): Promise<void> {
    for (const w of this.webhooks()) {
      const stream = this.keys.egress(w.application, w.id);
      if (!this.groupsMade.has(stream)) {
        // From the beginning: records written before the relay first ran are delivered too.
        await this.ctx.redis.xgroup("CREATE", stream, GROUP, "0", "MKSTREAM").catch((e: Error) => {
          if (!/BUSYGROUP/.test(e.message)) throw e;
        });
        this.groupsMade.add(stream);
      }
      // Entries a dead relay took but never acknowledged come back after RECLAIM_IDLE_MS.
      const [, reclaimed] = (await this.ctx.redis.xautoclaim(stream, GROUP, this.consumer, RECLAIM_IDLE_MS, "0", "COUNT", 100)) as [string, Array<[string, string[]]>];
      const fresh = (await this.ctx.redis.xreadgroup("GROUP", GROUP, this.consumer, "COUNT", 200, "STREAMS", stream, ">")) as Array<[string, Array<[string, string[]]>]> | null;
      const ids = [...reclaimed.map(([id]) => id), ...(fresh?.[0]?.[1] ?? []).map(([id]) => id)];
      if (ids.length === 0) continue;
      await this.queue.addBulk(
        ids.map((recordId) => ({
          name: "deliver",
          data: { streamKey: stream, recordId, egress: w.id, application: w.application, url: w.url, timeoutMs: w.timeoutMs },
          opts: {
            jobId: `${w.application}|${w.id}|${recordId}`,
            attempts: w.attempts,
            backoff: { type: "exponential", delay: 500 },
            removeOnComplete: { age: 86_400 },
            removeOnFail: { age: 7 * 86_400 },
          },
        })),
      );
      await this.ctx.redis.xack(stream, GROUP, ...ids);
    }
  }

  private async deliver(job: Job<DeliveryJob>): Promise<void> {
    const d = job.data;
    const rows = (await this.ctx.redis.xrangeBuffer(d.streamKey, d.recordId, d.recordId)) as Array<[Buffer, Buffer[]]>;
    if (rows.length === 0) return; // trimmed away: nothing left to deliver
    const f = new Map<string, Buffer>();
    const fields = rows[0][1];
    for (let i = 0; i < fields.length; i += 2) f.set(fields[i].toString(), fields[i + 1]);
    const typename = f.get("t")?.toString() ?? "";
    const value = f.get("v") ?? Buffer.alloc(0);
    const described = describeValue(typename, value, true);
    const body = {
      id: d.recordId,
      application: d.application,
      egress: d.egress,
      topic: f.get("topic")?.toString() || undefined,
      typename,
      value: described.value,
      base64: value.toString("base64"),
      source: f.get("src")?.toString(),
      at: new Date(Number(f.get("at")?.toString() ?? 0)).toISOString(),
    };
    await postWebhook({ url: d.url, idempotencyKey: job.id!, json: JSON.stringify(body), timeoutMs: d.timeoutMs, dispatcher: this.agent! });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.worker?.close();
    await this.queue?.close();
    await this.agent?.close();
  }
}
