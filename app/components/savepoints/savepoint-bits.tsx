"use client";

import Link from "next/link";
import { formatCount } from "../../lib/format";
import type { Savepoint } from "../../lib/types";

export const savepointHref = (id: string) => `/savepoints/${encodeURIComponent(id)}`;
export const savepointsHref = (app: string) => `/applications/${encodeURIComponent(app)}/savepoints`;

/** The label, or the id's first block when it has none. */
export const savepointName = (sp: Pick<Savepoint, "id" | "label">) => sp.label || `Savepoint ${sp.id.slice(0, 8)}`;

export const ORIGIN: Record<Savepoint["origin"], string> = {
  manual: "taken by hand",
  "pre-rollback": "automatic, before a rollback",
  import: "imported from a file",
};

const STATUS: Record<Savepoint["status"], { text: string; className: string }> = {
  pending: { text: "Pending", className: "badge badge-neutral" },
  running: { text: "Running", className: "badge badge-paused" },
  complete: { text: "Complete", className: "badge sp-badge-complete" },
  failed: { text: "Failed", className: "badge sp-badge-failed" },
};

export function SavepointStatusBadge({ status }: { status: Savepoint["status"] }) {
  const s = STATUS[status];
  return (
    <span className={s.className}>
      {status === "pending" || status === "running" ? <span className="spinner" aria-hidden="true" /> : null}
      {s.text}
    </span>
  );
}

/** Full, or a delta with a link to the full savepoint its unchanged addresses are read from. */
export function SavepointKind({ sp, baseName }: { sp: Savepoint; baseName?: string }) {
  if (sp.status !== "complete") return <span className="muted">—</span>;
  if (!sp.base) return <>Full</>;
  return (
    <>
      Delta of <Link href={savepointHref(sp.base.id)}>{baseName ?? `savepoint ${sp.base.id.slice(0, 8)}`}</Link>
      <div className="small muted">{formatCount(sp.base.addresses)} addresses from the base</div>
    </>
  );
}

const PHASES: Record<string, string> = {
  "waiting-for-checkpoint": "Waiting for the checkpoint to catch up",
  copying: "Copying state, mailboxes and delayed messages",
  complete: "Complete",
};

/** A savepoint's job progress while it is taken; nothing once it is done. */
export function SavepointProgress({ sp }: { sp: Savepoint }) {
  if (sp.status !== "pending" && sp.status !== "running") return null;
  const p = sp.progress;
  const phase = p ? (PHASES[p.phase] ?? p.phase) : sp.status === "pending" ? "Queued for a worker" : "Starting";
  const label = `Progress of ${savepointName(sp)}`;
  return (
    <div className="sp-progress">
      <span>
        {phase}
        {p?.phase === "waiting-for-checkpoint" && p.target !== undefined ? (
          <span className="muted"> (sequence {formatCount(p.target)})</span>
        ) : null}
        …
      </span>
      {p?.total ? <progress aria-label={label} value={p.done ?? 0} max={p.total} /> : <progress aria-label={label} />}
    </div>
  );
}
