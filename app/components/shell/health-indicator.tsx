"use client";

import Link from "next/link";
import { useHealth } from "../../lib/hooks/use-health";
import { formatLatency, plural } from "../../lib/format";
import type { Health } from "../../lib/types";

type Level = "ok" | "warn" | "bad" | "unknown";
const DOT: Record<Level, string> = { ok: "dot dot-ok", warn: "dot dot-warn", bad: "dot dot-bad", unknown: "dot" };

function Item({ level, label, detail }: { level: Level; label: string; detail: string }) {
  return (
    <li title={detail}>
      <span className={DOT[level]} aria-hidden="true" />
      <span>
        {label}
        <span className="sr-only">: {detail}</span>
      </span>
    </li>
  );
}

/** The checkpoint's distance behind Redis, in time and in changes; warn past the lag cap (claiming pauses there). */
export function checkpointSummary(h: Pick<Health, "checkpoint" | "checkpointLagCapMs">): { level: Level; label: string; detail: string } {
  const cp = h.checkpoint;
  if (!cp) return { level: "unknown", label: "Checkpoint —", detail: "no checkpointer has run yet" };
  const lagging = h.checkpointLagCapMs > 0 && cp.lagMs > h.checkpointLagCapMs;
  const label = cp.pending === 0 ? "Checkpoint caught up" : `Checkpoint ${formatLatency(cp.lagMs)} behind, ${plural(cp.pending, "change")} pending`;
  const detail = `${cp.pending === 0 ? "Postgres has every committed change" : `${plural(cp.pending, "change")} not yet in Postgres, the oldest ${formatLatency(cp.lagMs)} old`}${lagging ? ` — past the ${formatLatency(h.checkpointLagCapMs)} cap, claiming pauses` : ""}`;
  return { level: lagging ? "warn" : "ok", label, detail };
}

/** Postgres, Redis, live workers and the checkpoint, refreshed every 5 s; states are spelled out, not only coloured. */
export function HealthIndicator() {
  const { data, error } = useHealth();
  if (error && !data)
    return (
      <ul className="health" aria-label="System health">
        <Item level="bad" label="Health unknown" detail="the health check did not answer" />
      </ul>
    );
  if (!data)
    return (
      <ul className="health" aria-label="System health">
        <Item level="unknown" label="Checking…" detail="checking system health" />
      </ul>
    );
  const workers = data.workers.live;
  const cp = checkpointSummary(data);
  const quarantined = data.quarantine?.count ?? 0;
  return (
    <ul className="health" aria-label={`System health: ${data.status}`}>
      <Item level={data.postgres.ok ? "ok" : "bad"} label="Postgres" detail={data.postgres.ok ? "up" : `down${data.postgres.error ? `: ${data.postgres.error}` : ""}`} />
      <Item level={data.redis.ok ? "ok" : "bad"} label="Redis" detail={data.redis.ok ? "up" : `down${data.redis.error ? `: ${data.redis.error}` : ""}`} />
      <Item level={workers > 0 ? "ok" : "bad"} label={plural(workers, "worker")} detail={workers > 0 ? `${plural(workers, "worker")} live` : "no live workers"} />
      <Item {...cp} />
      {quarantined > 0 ? (
        <li>
          <Link href="/#quarantine" className="chip chip-warn" title="Changes the checkpoint set aside because Postgres could not store them">
            <span aria-hidden="true">⚠</span> {plural(quarantined, "address", "addresses")} quarantined
          </Link>
        </li>
      ) : null}
    </ul>
  );
}
