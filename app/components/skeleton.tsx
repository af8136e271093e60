import type { CSSProperties, ReactNode } from "react";
import "../styles/skeleton.css";

/**
 * Placeholders shaped like the content that is loading, instead of "Loading…". Assistive tech hears one polite
 * "Loading <label>" per placeholder; the grey shapes themselves are hidden from it. Works in server and client
 * components alike.
 *
 *   <Skeleton label="audit events"><SkeletonTable rows={5} columns={4} /></Skeleton>
 *   <Skeleton label="the overview" />           // a few lines of text
 */
export function Skeleton({ label, children, className }: { label: string; children?: ReactNode; className?: string }) {
  return (
    <div role="status" aria-live="polite" className={className ? `skeleton-region ${className}` : "skeleton-region"} data-testid="skeleton">
      <span className="sr-only">Loading {label}…</span>
      <div aria-hidden="true">{children ?? <SkeletonText lines={3} />}</div>
    </div>
  );
}

/** One grey bar; width as a CSS length ("60%", "12ch"). */
export function SkeletonLine({ width = "100%", height, style }: { width?: string; height?: string; style?: CSSProperties }) {
  return <span className="skeleton" style={{ width, ...(height ? { height } : {}), ...style }} />;
}

const WIDTHS = ["92%", "78%", "85%", "64%", "88%", "71%"];

export function SkeletonText({ lines = 3 }: { lines?: number }) {
  return (
    <div className="skeleton-text">
      {Array.from({ length: lines }, (_, i) => (
        <SkeletonLine key={i} width={i === lines - 1 && lines > 1 ? "45%" : WIDTHS[i % WIDTHS.length]} />
      ))}
    </div>
  );
}

/** A table's shape: a header row and `rows` rows of `columns` cells, inside the usual .table-wrap. */
export function SkeletonTable({ rows = 5, columns = 4 }: { rows?: number; columns?: number }) {
  const cells = (r: number) =>
    Array.from({ length: columns }, (_, c) => (
      <span key={c} className="skeleton-cell">
        <SkeletonLine width={WIDTHS[(r + c) % WIDTHS.length]} />
      </span>
    ));
  return (
    <div className="skeleton-table" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
      <div className="skeleton-row skeleton-head">{cells(0)}</div>
      {Array.from({ length: rows }, (_, r) => (
        <div key={r} className="skeleton-row">
          {cells(r + 1)}
        </div>
      ))}
    </div>
  );
}

/** A card's shape: a title and a block (a chart, a form) of the given height. */
export function SkeletonCard({ height = "160px" }: { height?: string }) {
  return (
    <div className="card skeleton-card">
      <SkeletonLine width="35%" height="1.1em" />
      <SkeletonLine height={height} style={{ marginTop: "var(--space-4)" }} />
    </div>
  );
}
