"use client";

import { useHealth } from "../../lib/hooks/use-health";
import { plural } from "../../lib/format";

function Item({ ok, label, detail }: { ok: boolean | null; label: string; detail: string }) {
  const cls = ok === null ? "dot" : ok ? "dot dot-ok" : "dot dot-bad";
  return (
    <li title={detail}>
      <span className={cls} aria-hidden="true" />
      <span>
        {label}
        <span className="sr-only">: {detail}</span>
      </span>
    </li>
  );
}

/** Postgres, Redis and live workers, refreshed every 15 s; states are spelled out, not only coloured. */
export function HealthIndicator() {
  const { data, error } = useHealth();
  if (error && !data)
    return (
      <ul className="health" aria-label="System health">
        <Item ok={false} label="Health unknown" detail="the health check did not answer" />
      </ul>
    );
  if (!data)
    return (
      <ul className="health" aria-label="System health">
        <Item ok={null} label="Checking…" detail="checking system health" />
      </ul>
    );
  const workers = data.workers.live;
  return (
    <ul className="health" aria-label={`System health: ${data.status}`}>
      <Item ok={data.postgres.ok} label="Postgres" detail={data.postgres.ok ? "up" : `down${data.postgres.error ? `: ${data.postgres.error}` : ""}`} />
      <Item ok={data.redis.ok} label="Redis" detail={data.redis.ok ? "up" : `down${data.redis.error ? `: ${data.redis.error}` : ""}`} />
      <Item ok={workers > 0} label={plural(workers, "worker")} detail={workers > 0 ? `${plural(workers, "worker")} live` : "no live workers"} />
    </ul>
  );
}
