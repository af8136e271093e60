"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import "../../styles/overview.css";
import { formatCount, formatLatency, plural } from "../../lib/format";
import { useHealth } from "../../lib/hooks/use-health";
import { LIVE_INTERVAL_MS, useMetricSeries } from "../../lib/hooks/use-metric-series";
import { hasTraffic, typePoints } from "../../lib/metric-series";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonCard, SkeletonTable } from "../skeleton";
import { CheckpointCard } from "./checkpoint-card";
import { TypeCard } from "./type-card";
import { TypesTable } from "./types-table";
import { WorkersCard } from "./workers-card";
import Link from "next/link";

const HEALTH_INTERVAL_MS = 2_000;
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** The user may pause live updates; the choice is kept for the tab, not the link. */
function LiveToggle({ live, onChange, updatedAt }: { live: boolean; onChange: (v: boolean) => void; updatedAt: number | null }) {
  return (
    <div className="live-toggle">
      <button type="button" className="btn btn-small" aria-pressed={live} onClick={() => onChange(!live)}>
        <span className={live ? "dot dot-ok live-dot" : "dot"} aria-hidden="true" />
        Live updates: {live ? "on" : "off"}
      </button>
      <span className="muted small" aria-live="off">
        {live ? `every ${LIVE_INTERVAL_MS / 1000} s, paused while this tab is hidden` : updatedAt ? `paused; last update ${clock.format(updatedAt)}` : "paused"}
      </span>
    </div>
  );
}

export function OverviewView() {
  const [live, setLive] = useState(true);
  const series = useMetricSeries(live);
  const health = useHealth({ refetchInterval: live ? HEALTH_INTERVAL_MS : false });
  const samples = series.data?.samples;
  const report = series.data?.latest ?? null;
  const now = samples?.at(-1)?.t ?? 0;

  // by name, so rows and cards keep their place while the numbers move
  const types = useMemo(() => (report ? [...report.functionTypes].sort((a, b) => a.functionType.localeCompare(b.functionType)) : []), [report]);
  const points = useMemo(() => new Map(types.map((t) => [t.functionType, typePoints(samples ?? [], t.functionType)])), [types, samples]);
  const charted = types.filter((t) => hasTraffic(points.get(t.functionType) ?? [], t));

  // a link to /#quarantine arrives before the health answer that renders the anchor: go there once it exists
  const scrolled = useRef(false);
  const quarantined = (health.data?.quarantine?.count ?? 0) > 0;
  useEffect(() => {
    if (scrolled.current || !quarantined || window.location.hash !== "#quarantine") return;
    scrolled.current = true;
    const el = document.getElementById("quarantine");
    el?.scrollIntoView();
    el?.focus({ preventScroll: true });
  }, [quarantined]);

  const totals = types.reduce(
    (acc, t) => {
      const p = points.get(t.functionType)?.at(-1);
      return { in: acc.in + (p?.in ?? 0), out: acc.out + (p?.out ?? 0), backlog: acc.backlog + t.numBacklog, failures: acc.failures + (p?.failuresRecent ?? 0) };
    },
    { in: 0, out: 0, backlog: 0, failures: 0 },
  );

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Overview</h1>
          <p className="subtitle">Throughput, latency and backlog per function type, the workers and the checkpoint — live.</p>
        </div>
        <LiveToggle live={live} onChange={setLive} updatedAt={now || null} />
      </div>

      <ErrorAlert error={series.error} prefix="Could not load the metrics" />
      <ErrorAlert error={health.error} prefix="Could not load the system health" />

      {report ? (
        <section className="card summary-card" aria-label="Summary">
          <dl className="facts summary">
            <div>
              <dt>Messages in</dt>
              <dd>{totals.in.toFixed(1)}/s</dd>
            </div>
            <div>
              <dt>Messages out</dt>
              <dd>{totals.out.toFixed(1)}/s</dd>
            </div>
            <div>
              <dt>Backlog</dt>
              <dd>{plural(totals.backlog, "message")}</dd>
            </div>
            <div>
              <dt>Failed calls, last minute</dt>
              <dd>{formatCount(totals.failures)}</dd>
            </div>
            <div>
              <dt>Workers reporting</dt>
              <dd>{report.workersReporting}</dd>
            </div>
            <div>
              <dt>Checkpoint</dt>
              <dd>{report.checkpoint ? `${formatLatency(report.checkpoint.lagMs)} lag, ${plural(report.checkpoint.pending, "change")} pending` : "not running"}</dd>
            </div>
          </dl>
        </section>
      ) : series.isPending ? (
        <Skeleton label="the metrics">
          <SkeletonCard height="60px" />
        </Skeleton>
      ) : null}

      <h2 className="section-title">Function types</h2>
      {series.isPending ? (
        <Skeleton label="the function types">
          <SkeletonCard height="320px" />
        </Skeleton>
      ) : types.length === 0 ? (
        <p className="card empty">
          No function type has been seen yet. Register an endpoint under <Link href="/applications">Applications</Link>, then send it a message.
        </p>
      ) : (
        <>
          <section className="card" aria-label="All function types">
            <TypesTable types={types} points={points} />
          </section>
          {charted.length === 0 ? (
            <p className="muted">No function type had traffic in the last five minutes; charts appear for those that do.</p>
          ) : (
            charted.map((t) => <TypeCard key={t.functionType} report={t} points={points.get(t.functionType) ?? []} now={now} />)
          )}
          {charted.length > 0 && charted.length < types.length ? (
            <p className="muted small">Types without traffic in the last five minutes have no charts; their numbers are in the table.</p>
          ) : null}
        </>
      )}

      <div className="overview-grid">
        {health.data ? (
          <>
            <WorkersCard health={health.data} now={now || Date.now()} />
            <CheckpointCard health={health.data} now={now || Date.now()} />
          </>
        ) : health.isPending ? (
          <Skeleton label="the workers and the checkpoint">
            <SkeletonTable rows={2} columns={4} />
          </Skeleton>
        ) : null}
      </div>
    </>
  );
}
