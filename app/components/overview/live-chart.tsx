"use client";

import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { SERIES_SPAN_MS, type TypePoint } from "../../lib/metric-series";

export interface ChartLine {
  key: keyof TypePoint;
  label: string;
  /** 1-4: the --series-N token; "danger" for failures. Colours come from CSS (currentColor), so themes switch live. */
  tone: 1 | 2 | 3 | 4 | "danger";
}

const toneColor = (tone: ChartLine["tone"]) => (tone === "danger" ? "var(--danger)" : `var(--series-${tone})`);

/** One tick a minute across the window, labelled by age: "−5 min" … "now". */
const minuteTicks = (now: number) => Array.from({ length: SERIES_SPAN_MS / 60_000 + 1 }, (_, i) => now - SERIES_SPAN_MS + i * 60_000);
const ago = (now: number, t: number) => (now - t < 1_000 ? "now" : `−${Math.round((now - t) / 60_000)} min`);

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/**
 * A small live line chart over the last five minutes. The SVG is hidden from assistive tech: the figure's
 * caption and the legend beside it carry the same numbers as text, with their units.
 */
export function LiveChart({
  title,
  points,
  lines,
  format,
  now,
  integer = false,
}: {
  title: string;
  points: TypePoint[];
  lines: ChartLine[];
  format: (v: number | null) => string;
  now: number;
  /** Counts: no fractional ticks. */
  integer?: boolean;
}) {
  const last = points.at(-1);
  return (
    <figure className="live-chart">
      <figcaption>{title}</figcaption>
      <div className="live-chart-plot" aria-hidden="true">
        <LineChart responsive style={{ width: "100%", height: 150 }} data={points} margin={{ top: 6, right: 18, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="t" type="number" domain={[now - SERIES_SPAN_MS, now]} ticks={minuteTicks(now)} tickFormatter={(t: number) => ago(now, t)} interval={0} />
          <YAxis width={58} allowDecimals={!integer} tickFormatter={(v: number) => format(v)} domain={[0, "auto"]} tickCount={4} />
          <Tooltip
            isAnimationActive={false}
            labelFormatter={(t) => clock.format(Number(t))}
            formatter={(v) => format(typeof v === "number" ? v : null)}
            contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: "var(--radius-sm)", color: "var(--text)" }}
          />
          {lines.map((l) => (
            <Line key={l.key} className={`tone-${l.tone}`} dataKey={l.key} name={l.label} stroke="currentColor" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} />
          ))}
        </LineChart>
      </div>
      <ul className="live-chart-legend">
        {lines.map((l) => (
          <li key={l.key}>
            <span className="swatch" style={{ background: toneColor(l.tone) }} aria-hidden="true" />
            {l.label} <strong>{last ? format(last[l.key] as number | null) : "—"}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}
