"use client";

import { useSetPaused } from "../../lib/hooks/use-applications";
import { ErrorAlert } from "../error-alert";

/** Pause stops dispatch for the application's function types; ingress is still accepted. */
export function PauseToggle({ app, paused, showError = true }: { app: string; paused: boolean; showError?: boolean }) {
  const setPaused = useSetPaused();
  const label = paused ? "Resume" : "Pause";
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        aria-label={`${label} ${app}`}
        disabled={setPaused.isPending}
        onClick={() => setPaused.mutate({ app, paused: !paused })}
      >
        {setPaused.isPending ? (paused ? "Resuming…" : "Pausing…") : label}
      </button>
      {showError ? <ErrorAlert error={setPaused.error} prefix={`Could not ${label.toLowerCase()} ${app}`} /> : null}
    </>
  );
}
