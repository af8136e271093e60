"use client";

import Link from "next/link";
import { useId, useRef, useState, type FormEvent } from "react";
import { isApiError } from "../../lib/api";
import { formatBytes, formatCount } from "../../lib/format";
import { useImportSavepoint } from "../../lib/hooks/use-savepoints";
import { ErrorAlert } from "../error-alert";
import { savepointHref, savepointName } from "./savepoint-bits";

const SHOWN_LINES = 10;

/** The refusal's bad lines (details.errors: [{line, error}]), the first few of them. */
function BadLines({ error }: { error: unknown }) {
  const lines = isApiError(error) && Array.isArray(error.details?.errors) ? (error.details.errors as Array<{ line: number; error: string }>) : [];
  if (lines.length < 2) return null;
  return (
    <ul className="small">
      {lines.slice(0, SHOWN_LINES).map((l) => (
        <li key={l.line}>
          Line {formatCount(l.line)}: {l.error}
        </li>
      ))}
      {lines.length > SHOWN_LINES ? <li className="muted">and {formatCount(lines.length - SHOWN_LINES)} more</li> : null}
    </ul>
  );
}

/** Uploads an exported NDJSON file (streamed by the server, so any size up to the limit) with upload progress. */
export function ImportSavepointForm({ app }: { app: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const upload = useImportSavepoint(app);
  const p = upload.progress;
  const percent = p && p.total > 0 ? Math.min(100, Math.round((p.loaded / p.total) * 100)) : 0;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    upload.mutate(file, {
      onSuccess: () => {
        setFile(null);
        if (input.current) input.current.value = "";
      },
    });
  }

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Import a savepoint</h2>
      <p className="muted small">
        An NDJSON file exported from a savepoint. Every line is checked; a bad line is refused with its number and
        nothing is kept. The import becomes a savepoint of {app}: roll back onto it to make it the live state.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor={id}>Savepoint file (.ndjson)</label>
          <input
            ref={input}
            id={id}
            type="file"
            accept=".ndjson,.jsonl,application/x-ndjson,application/json"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              upload.reset();
            }}
            disabled={upload.isPending}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!file || upload.isPending}>
            {upload.isPending ? "Uploading…" : "Import"}
          </button>
          {upload.isPending ? (
            <button type="button" className="btn" onClick={upload.cancel}>
              Cancel upload
            </button>
          ) : null}
        </div>
      </form>
      {upload.isPending && p ? (
        <div className="sp-progress" aria-live="polite">
          <span>
            {p.loaded >= p.total
              ? "Uploaded; the server is finishing the savepoint…"
              : `Uploading ${formatBytes(p.loaded)} of ${formatBytes(p.total)} (${percent} %)`}
          </span>
          <progress aria-label="Upload progress" value={p.loaded} max={Math.max(1, p.total)} />
        </div>
      ) : null}
      <ErrorAlert error={upload.error} prefix="Import refused" />
      <BadLines error={upload.error} />
      {upload.data ? (
        <div className="alert alert-success" role="status">
          Imported as <Link href={savepointHref(upload.data.id)}>{savepointName(upload.data)}</Link>:{" "}
          {formatCount(upload.data.addresses)} addresses, {formatCount(upload.data.values)} values,{" "}
          {formatBytes(upload.data.bytes)}.
        </div>
      ) : null}
    </section>
  );
}
