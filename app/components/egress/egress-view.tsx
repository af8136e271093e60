"use client";

import Link from "next/link";
import { useCallback, useEffect, useId, useMemo, useState } from "react";
import "../../styles/egress.css";
import { plural } from "../../lib/format";
import { TAIL_KEEP, TAIL_POLL_MS, useEgressSources, useEgressTail, type EgressSource } from "../../lib/hooks/use-egress";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonText } from "../skeleton";
import { useQueryParams } from "../savepoints/use-query-params";
import { EgressRecordItem } from "./egress-record";

const sourceKey = (s: Pick<EgressSource, "application" | "id">) => `${s.application} ${s.id}`;

function Tail({ source, topic, onTopics }: { source: EgressSource; topic: string | null; onTopics: (t: string[]) => void }) {
  const [paused, setPaused] = useState(false);
  const tail = useEgressTail(source, topic, paused);
  const seen = useMemo(() => [...new Set(tail.records.map((r) => r.topic).filter((t): t is string => !!t))].sort(), [tail.records]);
  useEffect(() => onTopics(seen), [seen, onTopics]);

  return (
    <section className="card" aria-labelledby="tail-heading">
      <div className="card-header">
        <h2 id="tail-heading">
          <span className="mono">{source.id}</span>
          {topic ? (
            <>
              {" "}
              · topic <span className="mono">{topic}</span>
            </>
          ) : null}
        </h2>
        <div className="row">
          <span className="small muted" role="status">
            {paused
              ? `Paused · ${plural(tail.records.length, "record")} kept`
              : tail.opened
                ? `Live · every ${TAIL_POLL_MS / 1000} s while this tab is visible`
                : "Opening…"}
          </span>
          <button type="button" className="btn btn-small" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
            {paused ? "Resume tail" : "Pause tail"}
          </button>
        </div>
      </div>
      <ErrorAlert error={tail.error} prefix="Could not read the egress" />
      {!tail.opened ? (
        <Skeleton label="egress records">
          <SkeletonText lines={4} />
        </Skeleton>
      ) : tail.records.length === 0 ? (
        <p className="empty">No records{topic ? ` on topic ${topic}` : ""} yet. New ones appear here as functions send them.</p>
      ) : (
        <>
          <ol className="eg-records" aria-label="Egress records, newest first">
            {tail.records.map((r) => (
              <EgressRecordItem key={r.id} record={r} />
            ))}
          </ol>
          <p className="small muted">
            Newest first · the {TAIL_KEEP} newest are kept on screen{tail.records.length >= TAIL_KEEP ? "; older ones have been dropped" : ""}.
          </p>
        </>
      )}
    </section>
  );
}

export function EgressView() {
  const q = useQueryParams();
  const sources = useEgressSources();
  const ids = useId();
  const [seenTopics, setSeenTopics] = useState<string[]>([]);
  // Topics seen under any topic filter of this egress stay offered (a filtered tail only sees its own).
  const addTopics = useCallback((t: string[]) => setSeenTopics((prev) => (t.every((x) => prev.includes(x)) ? prev : [...new Set([...prev, ...t])])), []);
  const setParams = q.set;
  const app = q.get("app");
  const egress = q.get("egress");
  const topic = q.get("topic");
  const selected = sources.sources.find((s) => s.application === app && s.id === egress) ?? null;

  // No choice in the URL: open the first declared egress, so the page is never blank when there is one.
  const first = sources.sources[0];
  useEffect(() => {
    if (!app && !egress && first) setParams({ app: first.application, egress: first.id });
  }, [app, egress, first, setParams]);

  const topics = [...new Set([...(selected?.topics ?? []), ...seenTopics, ...(topic ? [topic] : [])])].sort();

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Egress</h1>
          <p className="subtitle">What functions send to egresses, decoded, newest on top, as it arrives.</p>
        </div>
      </div>

      <form className="card eg-picker" aria-label="Choose an egress" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={`${ids}-source`}>Egress</label>
          <select
            id={`${ids}-source`}
            value={selected ? sourceKey(selected) : ""}
            disabled={sources.sources.length === 0}
            onChange={(e) => {
              const s = sources.sources.find((x) => sourceKey(x) === e.target.value);
              if (!s) return;
              setSeenTopics([]);
              q.set({ app: s.application, egress: s.id, topic: null });
            }}
          >
            {!selected ? <option value="">{sources.isPending ? "Loading egresses…" : "Choose an egress"}</option> : null}
            {sources.sources.map((s) => (
              <option key={sourceKey(s)} value={sourceKey(s)}>
                {s.id} — {s.application}
              </option>
            ))}
          </select>
          {selected ? <span className="hint">{selected.kind}</span> : null}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-topic`}>Topic</label>
          <select id={`${ids}-topic`} value={topic ?? ""} disabled={!selected} onChange={(e) => q.set({ topic: e.target.value || null })}>
            <option value="">All topics</option>
            {topics.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
      </form>

      <ErrorAlert error={sources.error} prefix="Could not load the declared egresses" />
      {sources.truncated ? (
        <p className="alert alert-info">Egresses of the first 200 applications are listed.</p>
      ) : null}
      {selected ? (
        <Tail key={`${sourceKey(selected)} ${topic ?? ""}`} source={selected} topic={topic} onTopics={addTopics} />
      ) : sources.isPending ? (
        <Skeleton label="egresses">
          <SkeletonText lines={3} />
        </Skeleton>
      ) : sources.sources.length === 0 ? (
        <section className="card">
          <p className="empty">
            No application declares an egress. Declare one in an <Link href="/applications">application</Link>’s module, e.g.{" "}
            <code>kind: io.statefun.playground.v1/egress</code>.
          </p>
        </section>
      ) : (
        <p className="alert alert-info">
          {app || egress ? `No application ${app ?? ""} declares the egress ${egress ?? ""}. ` : ""}Choose an egress above.
        </p>
      )}
    </>
  );
}
