"use client";

import Link from "next/link";
import { formatCount } from "../../lib/format";
import type { TypePoint } from "../../lib/metric-series";
import type { MetricsReport } from "@/server/metrics/contract";
import { functionHref, ms, rate } from "./type-card";

type TypeReport = MetricsReport["functionTypes"][number];

const NUMERIC_COLUMNS = ["In", "Out", "p50", "p99", "Backlog", "Failed, 1 min", "Parked, total", "Consumed"];

/** Every function type seen, one row each, the same live numbers as the charts; wide, so it scrolls in its card. */
export function TypesTable({ types, points }: { types: TypeReport[]; points: Map<string, TypePoint[]> }) {
  return (
    <div className="table-wrap">
      <table className="data">
        <caption className="sr-only">Function types with their live throughput, latency, backlog and failures</caption>
        <thead>
          <tr>
            <th scope="col">Function type</th>
            {NUMERIC_COLUMNS.map((c) => (
              <th key={c} scope="col" className="num">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {types.map((t) => {
            const p = points.get(t.functionType)?.at(-1);
            return (
              <tr key={t.functionType} data-type={t.functionType}>
                <th scope="row">
                  <Link href={functionHref(t.functionType)} className="nowrap">
                    {t.functionType}
                  </Link>
                </th>
                <td className="num nowrap">{rate(p?.in ?? t.rates.in)}</td>
                <td className="num nowrap">{rate(p?.out ?? t.rates.outLocal + t.rates.outRemote + t.rates.outEgress)}</td>
                <td className="num nowrap">{ms(t.remoteInvocationLatency.lastMinute.p50Ms)}</td>
                <td className="num nowrap">{ms(t.remoteInvocationLatency.lastMinute.p99Ms)}</td>
                <td className="num">{formatCount(t.numBacklog)}</td>
                <td className="num">{formatCount(p?.failuresRecent ?? 0)}</td>
                <td className="num">{formatCount(t.parked)}</td>
                <td className="num" data-testid="consumed">
                  {formatCount(t.in)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
