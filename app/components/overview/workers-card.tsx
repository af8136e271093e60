"use client";

import { formatRelative, plural } from "../../lib/format";
import type { Health } from "../../lib/types";

/** Ascending group numbers as ranges: [0,1,2,3,7,9,10] → "0–3, 7, 9–10". */
export function groupRanges(groups: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    let j = i;
    while (j + 1 < groups.length && groups[j + 1] === groups[j] + 1) j++;
    out.push(i === j ? String(groups[i]) : `${groups[i]}–${groups[j]}`);
    i = j;
  }
  return out.join(", ");
}

/** Live workers with the partition groups each held at its last heartbeat, and any group nobody held. */
export function WorkersCard({ health, now }: { health: Health; now: number }) {
  const { list, dispatchGroups } = health.workers;
  const held = new Set(list.flatMap((w) => w.groupsHeld));
  const unheld = Array.from({ length: dispatchGroups }, (_, g) => g).filter((g) => !held.has(g));
  return (
    <section className="card" aria-labelledby="workers-title">
      <div className="card-header">
        <h2 id="workers-title">Workers</h2>
        <span className="muted small">
          {plural(list.length, "live worker")}, {plural(dispatchGroups, "partition group")}
        </span>
      </div>
      {list.length === 0 ? (
        <p className="empty">No live worker: nothing is being dispatched. Start one with <code>npm run worker</code>.</p>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">Live workers and the partition groups they hold</caption>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Groups held</th>
                <th scope="col">Host</th>
                <th scope="col">Roles</th>
                <th scope="col">Registry</th>
                <th scope="col">Started</th>
                <th scope="col">Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <tr key={w.id}>
                  <th scope="row" className="mono nowrap">
                    {w.id}
                  </th>
                  <td>
                    {w.groupsHeld.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      <>
                        <span className="mono">{groupRanges(w.groupsHeld)}</span>{" "}
                        <span className="muted small nowrap">
                          ({w.groupsHeld.length} of {dispatchGroups})
                        </span>
                      </>
                    )}
                  </td>
                  <td className="mono nowrap">
                    {w.host} <span className="muted">pid {w.pid}</span>
                  </td>
                  <td>{w.roles.join(", ")}</td>
                  <td className="num">v{w.registryVersion}</td>
                  <td className="nowrap">{formatRelative(w.startedAt, now)}</td>
                  <td className="nowrap">{formatRelative(w.lastSeenAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.length > 0 && unheld.length > 0 ? (
        <p className="muted small unheld">
          Not held at the last heartbeats: group{unheld.length === 1 ? "" : "s"} <span className="mono">{groupRanges(unheld)}</span> (a group is
          briefly free between slices; one that stays free is waiting for a worker).
        </p>
      ) : null}
    </section>
  );
}
