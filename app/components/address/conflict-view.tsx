"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";
import { editText } from "../../lib/address-values";
import type { AddressState, StateValue } from "../../lib/hooks/use-address";
import type { Change } from "./value-change";
import { SideBySideDiff } from "./lazy";
import { inlineValue } from "./value-display";

/**
 * The save met a newer version (409 version-conflict, the current state in its details): what is stored now next
 * to what this user meant to write, and the two ways on — take theirs, or write mine again on their version.
 */
export function ConflictView({
  change,
  base,
  baseVersion,
  theirs,
  saving,
  error,
  onReload,
  onReapply,
  onRebase,
}: {
  change: Change;
  base: StateValue;
  baseVersion: number;
  theirs: AddressState;
  saving: boolean;
  error: ReactNode;
  onReload: () => void;
  onReapply: () => void;
  onRebase: () => void;
}) {
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [theirs.version]);

  const now = theirs.values.find((v) => v.name === change.name);
  const mode = change.op === "set" ? change.mode : "json";
  const theirsText = now && now.kind !== "absent" ? editText(now, mode) : "(no value)";
  const mineText = change.op === "set" ? change.text : "(deleted)";
  const sameAsLoaded = (now?.base64 ?? null) === (base.base64 ?? null);
  const others = theirs.values.filter((v) => v.name !== change.name);

  return (
    <div className="conflict" role="group" aria-labelledby={headingId} data-testid="conflict-view">
      <h4 id={headingId} ref={heading} tabIndex={-1} className="conflict-head">
        Conflict: the address moved from version {baseVersion} to {theirs.version} while you edited
      </h4>
      <p role="alert" className="alert alert-error">
        Not saved. {sameAsLoaded ? `${change.name} itself is as you loaded it; other changes moved the version.` : `${change.name} was changed by someone else (or by the function).`}{" "}
        Compare, then reload to take theirs, or re-apply your change on version {theirs.version}.
      </p>
      <SideBySideDiff a={theirsText} b={mineText} aLabel={`Theirs now (version ${theirs.version})`} bLabel="Yours" language={mode === "json" ? "json" : "text"} testId="conflict-diff" />
      {others.length ? (
        <details className="conflict-others">
          <summary>The other values at version {theirs.version}</summary>
          <ul>
            {others.map((v) => (
              <li key={v.name}>
                <code>{v.name}</code>: <code>{inlineValue(v)}</code>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {error}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onReload} disabled={saving}>
          Reload (discard mine)
        </button>
        <button type="button" className="btn btn-primary" onClick={onReapply} disabled={saving}>
          {saving ? "Saving…" : `Re-apply my change on version ${theirs.version}`}
        </button>
        {change.op === "set" ? (
          <button type="button" className="btn" onClick={onRebase} disabled={saving}>
            Keep editing against version {theirs.version}
          </button>
        ) : null}
      </div>
    </div>
  );
}
