"use client";

import { ApiError, errorMessage } from "../lib/api";

/** The server's message, announced to assistive tech. Renders nothing when there is no error. */
export function ErrorAlert({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const code = error instanceof ApiError && error.status > 0 ? error.code : null;
  return (
    <div role="alert" className="alert alert-error">
      {prefix ? <strong>{prefix}: </strong> : null}
      {errorMessage(error)}
      {code ? <span className="code"> ({code})</span> : null}
    </div>
  );
}
