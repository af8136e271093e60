"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { formatBytes, formatCount, formatDuration } from "../../lib/format";
import { useSavepoint, useTakeSavepoint } from "../../lib/hooks/use-savepoints";
import { ErrorAlert } from "../error-alert";
import { Field } from "../field";
import { SavepointProgress, savepointHref, savepointName } from "./savepoint-bits";

/** What became of the savepoint just requested: live progress, then its figures and a link. */
function TakenSavepoint({ id }: { id: string }) {
  const q = useSavepoint(id);
  const sp = q.data;
  if (!sp) return <ErrorAlert error={q.error} prefix="Could not follow the savepoint" />;
  if (sp.status === "failed") return <ErrorAlert error={new Error(sp.error ?? "unknown error")} prefix={`${savepointName(sp)} failed`} />;
  if (sp.status === "complete")
    return (
      <div className="alert alert-success">
        <Link href={savepointHref(sp.id)}>{savepointName(sp)}</Link> taken in {formatDuration(sp.durationMs)}:{" "}
        {formatCount(sp.addresses)} addresses, {formatCount(sp.values)} values, {formatBytes(sp.bytes)}.
      </div>
    );
  return <SavepointProgress sp={sp} />;
}

export function TakeSavepointForm({ app }: { app: string }) {
  const [label, setLabel] = useState("");
  const [taken, setTaken] = useState<string | null>(null);
  const take = useTakeSavepoint(app);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    take.mutate(label.trim(), {
      onSuccess: (r) => {
        setTaken(r.id);
        setLabel("");
      },
    });
  }

  return (
    <section className="card" aria-labelledby="take-heading">
      <h2 id="take-heading">Take a savepoint</h2>
      <p className="muted small">
        A consistent cut of {app}&apos;s state, in-flight messages and delayed messages, taken without pausing dispatch.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <Field
          label="Label"
          hint="Optional: why you take it, e.g. “before the v2 deploy”."
          value={label}
          maxLength={200}
          onChange={(e) => setLabel(e.target.value)}
          autoComplete="off"
        />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={take.isPending}>
            {take.isPending ? "Requesting…" : "Take savepoint"}
          </button>
        </div>
      </form>
      <ErrorAlert error={take.error} prefix="Could not take a savepoint" />
      <div aria-live="polite">{taken ? <TakenSavepoint id={taken} /> : null}</div>
    </section>
  );
}
