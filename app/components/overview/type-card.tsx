"use client";

import Link from "next/link";
import { formatCount, formatLatency } from "../../lib/format";
import type { TypePoint } from "../../lib/metric-series";
import type { MetricsReport } from "@/server/metrics/contract";
import { LiveChart, type ChartLine } from "./live-chart";

type TypeReport = MetricsReport["functionTypes"][number];

/** Messages per second: two significant digits below 10/s (a slow trickle still reads as one), whole numbers above. */
export const rate = (v: number | null) => (v === null ? "—" : `${v < 10 ? Number(v.toPrecision(2)) : Math.round(v).toLocaleString()}/s`);
export const ms = (v: number | null) => (v === null ? "—" : formatLatency(v));
const count = (v: number | null) => (v === null ? "—" : formatCount(v));

const THROUGHPUT: ChartLine[] = [
  { key: "in", label: "In", tone: 1 },
  { key: "out", label: "Out", tone: 2 },
];
const LATENCY: ChartLine[] = [
  { key: "p50", label: "p50", tone: 3 },
  { key: "p99", label: "p99", tone: 4 },
];
const BACKLOG: ChartLine[] = [
  { key: "backlog", label: "Backlog", tone: 1 },
  { key: "inflight", label: "In flight", tone: 2 },
];
const TROUBLE: ChartLine[] = [
  { key: "failuresRecent", label: "Failed calls", tone: "danger" },
  { key: "parkedRecent", label: "Parked", tone: 4 },
];

/** `/functions/{namespace}/{type}`: the type's page in the address browser. */
export const functionHref = (functionType: string) => {
  const [ns, name] = functionType.split("/");
  return `/functions/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
};

/** One function type: its totals, and live charts of throughput, remote-call latency, backlog and trouble. */
export function TypeCard({ report, points, now }: { report: TypeReport; points: TypePoint[]; now: number }) {
  const id = `type-${report.functionType.replace(/[^a-zA-Z0-9_-]/g, "-")}`;
  return (
    <section className="card type-card" aria-labelledby={id}>
      <div className="card-header">
        <h3 id={id}>
          <Link href={functionHref(report.functionType)}>{report.functionType}</Link>
        </h3>
        <span className="muted small">
          {report.remoteInvocationLatency.lastMinute.count > 0 ? `${formatCount(report.remoteInvocationLatency.lastMinute.count)} calls in the last minute` : "no calls in the last minute"}
        </span>
      </div>
      <dl className="facts type-totals">
        <div>
          <dt>Consumed</dt>
          <dd>{formatCount(report.in)} messages</dd>
        </div>
        <div>
          <dt>Sent</dt>
          <dd>
            {formatCount(report.outLocal + report.outRemote)} messages, {formatCount(report.outEgress)} egress
          </dd>
        </div>
        <div>
          <dt>Backlog</dt>
          <dd>{formatCount(report.numBacklog)} messages</dd>
        </div>
        <div>
          <dt>Failed calls</dt>
          <dd>{formatCount(report.remoteInvocationFailures)} in all</dd>
        </div>
        <div>
          <dt>Parked</dt>
          <dd>{formatCount(report.parked)} times in all</dd>
        </div>
        <div>
          <dt>Blocked addresses</dt>
          <dd>{formatCount(report.numBlockedAddress)}</dd>
        </div>
      </dl>
      <div className="chart-grid">
        <LiveChart title="Messages per second" points={points} lines={THROUGHPUT} format={rate} now={now} />
        <LiveChart title="Remote-call latency (last minute)" points={points} lines={LATENCY} format={ms} now={now} />
        <LiveChart title="Backlog and calls in flight" points={points} lines={BACKLOG} format={count} now={now} integer />
        <LiveChart title="Failed calls and parks (last minute)" points={points} lines={TROUBLE} format={count} now={now} integer />
      </div>
    </section>
  );
}
