"use client";

import Link from "next/link";
import { formatCount, formatDate, formatLatency, formatRelative, plural } from "../../lib/format";
import type { Health } from "../../lib/types";
import { checkpointSummary } from "../shell/health-indicator";
import { addressStringHref } from "../../lib/address-href";

/** How far Postgres is behind Redis, and the addresses whose changes the checkpoint set aside (#quarantine). */
export function CheckpointCard({ health, now }: { health: Health; now: number }) {
  const cp = health.checkpoint;
  const summary = checkpointSummary(health);
  const q = health.quarantine;
  return (
    <section className="card" aria-labelledby="checkpoint-title">
      <div className="card-header">
        <h2 id="checkpoint-title">Checkpoint</h2>
        <span className={`badge ${summary.level === "warn" ? "badge-paused" : summary.level === "ok" ? "badge-running" : "badge-neutral"}`}>
          {summary.level === "warn" ? "Behind the cap" : summary.level === "ok" ? "Keeping up" : "Not running"}
        </span>
      </div>
      {cp ? (
        <dl className="facts">
          <div>
            <dt>Lag</dt>
            <dd data-testid="checkpoint-lag">{formatLatency(cp.lagMs)}</dd>
          </div>
          <div>
            <dt>Pending changes</dt>
            <dd data-testid="checkpoint-pending">{formatCount(cp.pending)}</dd>
          </div>
          <div>
            <dt>Lag cap</dt>
            <dd>{health.checkpointLagCapMs > 0 ? formatLatency(health.checkpointLagCapMs) : "none"}</dd>
          </div>
          <div>
            <dt>Last round</dt>
            <dd>{cp.lastRoundAt ? formatRelative(cp.lastRoundAt, now) : "—"}</dd>
          </div>
          <div>
            <dt>Checkpointed through</dt>
            <dd className="mono">seq {formatCount(cp.seq)}</dd>
          </div>
          <div>
            <dt>Quarantined</dt>
            <dd>{formatCount(q?.count ?? cp.quarantined)}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted">{summary.detail}: Postgres holds no checkpoint of live state yet.</p>
      )}
      {q && q.count > 0 ? (
        <div id="quarantine" className="quarantine" tabIndex={-1}>
          <h3>Quarantined addresses</h3>
          <p className="muted small">
            Postgres could not store these changes, so the checkpoint set them aside and kept going; {plural(q.count, "address", "addresses")} in all, the
            latest {q.recent.length} below. Their live state in Redis is intact.
          </p>
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Quarantined addresses, latest first</caption>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Error</th>
                  <th scope="col">Rounds</th>
                  <th scope="col">First seen</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {q.recent.map((r) => (
                  <tr key={`${r.address}-${r.firstSeq}`}>
                    <th scope="row">
                      {/* a quarantined unit may be a function type (a state spec), which has no address page */}
                      <QuarantinedLink address={r.address} />
                    </th>
                    <td className="quarantine-error">{r.error}</td>
                    <td className="num">{r.rounds}</td>
                    <td className="nowrap">{formatDate(r.firstAt, true)}</td>
                    <td className="nowrap">{formatDate(r.lastAt, true)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function QuarantinedLink({ address }: { address: string }) {
  const href = addressStringHref(address);
  return href ? (
    <Link href={href} className="mono">
      {address}
    </Link>
  ) : (
    <span className="mono">{address}</span>
  );
}
