"use client";

import { useId, useState, type FormEvent, type ReactNode } from "react";
import { ErrorAlert } from "../error-alert";

/** A destructive action confirmed in the page by typing `expected` (never window.confirm). */
export function TypedConfirm(props: {
  expected: string;
  action: string;
  pendingText: string;
  pending: boolean;
  error: unknown;
  errorPrefix: string;
  onConfirm: () => void;
  onCancel?: () => void;
  children?: ReactNode;
}) {
  const id = useId();
  const [typed, setTyped] = useState("");
  const matches = typed === props.expected;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (matches && !props.pending) props.onConfirm();
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      {props.children}
      <div className="field sp-confirm">
        <label htmlFor={id}>
          Type <strong className="mono">{props.expected}</strong> to confirm
        </label>
        <input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
      </div>
      <ErrorAlert error={props.error} prefix={props.errorPrefix} />
      <div className="form-actions">
        <button type="submit" className="btn btn-danger" disabled={!matches || props.pending}>
          {props.pending ? props.pendingText : props.action}
        </button>
        {props.onCancel ? (
          <button type="button" className="btn" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
