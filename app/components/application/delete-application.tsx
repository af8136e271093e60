"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { useDeleteApplication } from "../../lib/hooks/use-application";
import { ErrorAlert } from "../error-alert";

/** Destructive: confirmed by typing the application's name. */
export function DeleteApplication({ app }: { app: string }) {
  const id = useId();
  const router = useRouter();
  const del = useDeleteApplication(app);
  const [typed, setTyped] = useState("");
  const matches = typed === app;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!matches) return;
    del.mutate(undefined, { onSuccess: () => router.push("/applications") });
  }

  return (
    <section className="card danger" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Delete application</h2>
      <p className="muted">
        Deletes <strong>{app}</strong> with its endpoints, ingresses and egresses. Messages to its function types will no
        longer be dispatched. This cannot be undone.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <div className="field" style={{ maxWidth: 360 }}>
          <label htmlFor={id}>
            Type <strong className="mono">{app}</strong> to confirm
          </label>
          <input
            id={id}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <ErrorAlert error={del.error} prefix="Could not delete" />
        <div className="form-actions">
          <button type="submit" className="btn btn-danger" disabled={!matches || del.isPending}>
            {del.isPending ? "Deleting…" : "Delete application"}
          </button>
        </div>
      </form>
    </section>
  );
}
