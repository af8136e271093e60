"use client";

import { useId, useMemo, useState } from "react";
import { isApiError } from "../../lib/api";
import { checkEdit, defaultMode, editText, modesFor, type EditMode, type SetValue } from "../../lib/address-values";
import { usePatchState, type AddressRef, type AddressState, type StateValue } from "../../lib/hooks/use-address";
import { ErrorAlert } from "../error-alert";
import { ConflictView } from "./conflict-view";
import { CodeEditor, UnifiedDiff } from "./lazy";

const MODE_LABEL: Record<EditMode, string> = { primitive: "Value", json: "JSON", text: "Text (UTF-8)", base64: "Base64 bytes" };

/** A staged change of one value: the text as edited (and what it sends), or a delete. */
export type Change = { name: string; op: "set"; mode: EditMode; text: string; body: SetValue } | { name: string; op: "delete" };

type Phase = { step: "edit" } | { step: "review" } | { step: "conflict"; theirs: AddressState };

export interface ValueChangeProps {
  address: AddressRef;
  /** The value as loaded when the change began, and the version it was loaded at. */
  base: StateValue;
  baseVersion: number;
  op: "set" | "delete";
  /** The state as polled now: warns before saving when this value moved under the edit. */
  live: AddressState | undefined;
  onDone: (message: string | null) => void;
}

/**
 * Edit → review the diff → save as a PATCH with expectedVersion; a 409 opens the conflict view (theirs now vs
 * yours) with reload or re-apply. A delete takes the same path after the name is typed.
 */
export function ValueChange({ address, base, baseVersion: initialVersion, op, live, onDone }: ValueChangeProps) {
  const uid = useId();
  const modes = modesFor(base.typename);
  const [baseVersion, setBaseVersion] = useState(initialVersion);
  const [original, setOriginal] = useState<StateValue>(base);
  const [mode, setMode] = useState<EditMode>(defaultMode(base));
  const [text, setText] = useState(() => editText(base, defaultMode(base)));
  const [confirm, setConfirm] = useState("");
  const [reason, setReason] = useState("");
  const [phase, setPhase] = useState<Phase>({ step: "edit" });
  const patch = usePatchState(address);

  const originalText = useMemo(() => editText(original, mode), [original, mode]);
  const checked = op === "set" ? checkEdit(base.typename, mode, text) : null;
  const change: Change | null = op === "delete" ? { name: base.name, op: "delete" } : checked?.ok ? { name: base.name, op: "set", mode, text, body: checked.value } : null;
  const unchanged = op === "set" && text === originalText;

  const liveValue = live?.values.find((v) => v.name === base.name);
  const movedUnder = live !== undefined && live.version !== baseVersion;
  const valueMoved = (liveValue?.base64 ?? null) !== (original.base64 ?? null);

  function save(expectedVersion: number) {
    if (!change) return;
    patch.mutate(
      {
        expectedVersion,
        ...(change.op === "set" ? { set: { [change.name]: change.body } } : { delete: [change.name] }),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      },
      {
        onSuccess: (r) => onDone(change.op === "set" ? `Saved ${change.name}: the address is at version ${r.version}.` : `Deleted ${change.name}: the address is at version ${r.version}.`),
        onError: (e) => {
          if (isApiError(e) && e.code === "version-conflict" && e.details?.state) setPhase({ step: "conflict", theirs: e.details.state as AddressState });
        },
      },
    );
  }

  const conflictError = patch.error && isApiError(patch.error) && patch.error.code === "version-conflict";
  const error = patch.isError && !conflictError ? <ErrorAlert error={patch.error} prefix="Not saved" /> : null;

  if (phase.step === "conflict" && change) {
    const theirs = phase.theirs;
    return (
      <ConflictView
        change={change}
        base={original}
        baseVersion={baseVersion}
        theirs={theirs}
        saving={patch.isPending}
        error={error}
        onReload={() => onDone(null)}
        onReapply={() => {
          patch.reset();
          save(theirs.version);
        }}
        onRebase={() => {
          // Keep my text, now measured against what is stored at their version.
          const now = theirs.values.find((v) => v.name === base.name);
          if (now) setOriginal(now);
          setBaseVersion(theirs.version);
          patch.reset();
          setPhase({ step: "edit" });
        }}
      />
    );
  }

  const warning = movedUnder ? (
    <p className="alert alert-info" role="status">
      The address moved on since you began (version {baseVersion} → {live!.version}){valueMoved ? `, and ${base.name} changed` : `; ${base.name} itself is unchanged`}: saving will
      show you the conflict first.
    </p>
  ) : null;

  if (op === "delete")
    return (
      <div className="value-change" role="group" aria-label={`Delete ${base.name}`}>
        {warning}
        <p>
          Deleting <strong>{base.name}</strong> removes its value at version {baseVersion}; the function sees it unset on its next call. The change is recorded in the audit log.
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${uid}-confirm`}>Type {base.name} to confirm</label>
            <input id={`${uid}-confirm`} type="text" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" spellCheck={false} />
          </div>
          <ReasonField id={`${uid}-reason`} value={reason} onChange={setReason} />
        </div>
        {error}
        <div className="form-actions">
          <button type="button" className="btn btn-danger" disabled={confirm !== base.name || patch.isPending} onClick={() => save(baseVersion)}>
            {patch.isPending ? "Deleting…" : `Delete ${base.name}`}
          </button>
          <button type="button" className="btn" onClick={() => onDone(null)}>
            Cancel
          </button>
        </div>
      </div>
    );

  const hintId = `${uid}-hint`;
  const errorId = `${uid}-error`;
  const language = mode === "json" ? "json" : "text";
  return (
    <div className="value-change" role="group" aria-label={`Edit ${base.name}`}>
      {warning}
      {phase.step === "edit" ? (
        <>
          {modes.length > 1 ? (
            <fieldset className="mode-switch">
              <legend>Edit as</legend>
              {modes.map((m) => (
                <label key={m}>
                  <input
                    type="radio"
                    name={`${uid}-mode`}
                    value={m}
                    checked={mode === m}
                    onChange={() => {
                      setMode(m);
                      setText(editText(original, m));
                    }}
                  />{" "}
                  {MODE_LABEL[m]}
                </label>
              ))}
            </fieldset>
          ) : null}
          <p id={hintId} className="hint small muted">
            {hintFor(base.typename, mode)}
          </p>
          <CodeEditor value={text} onChange={setText} language={language} label={`New value of ${base.name} (${MODE_LABEL[mode]})`} describedBy={`${hintId} ${errorId}`} invalid={checked?.ok === false} testId="value-editor" />
          <p id={errorId} className={checked && !checked.ok ? "field-error small" : "sr-only"} aria-live="polite">
            {checked && !checked.ok ? checked.error : ""}
          </p>
          <div className="form-actions">
            <button type="button" className="btn btn-primary" disabled={!change || unchanged} onClick={() => setPhase({ step: "review" })}>
              Review change
            </button>
            <button type="button" className="btn" onClick={() => onDone(null)}>
              Cancel
            </button>
            {unchanged ? <span className="muted small">No change yet.</span> : null}
          </div>
        </>
      ) : (
        <>
          <h4 className="value-change-head">
            Change to {base.name}, against version {baseVersion}
          </h4>
          <UnifiedDiff original={originalText} modified={text} language={language} label={`Diff of ${base.name}: loaded value and your edit`} testId="value-diff" />
          <ReasonField id={`${uid}-reason`} value={reason} onChange={setReason} />
          {error}
          <div className="form-actions">
            <button type="button" className="btn btn-primary" disabled={patch.isPending} onClick={() => save(baseVersion)}>
              {patch.isPending ? "Saving…" : `Save ${base.name}`}
            </button>
            <button type="button" className="btn" onClick={() => setPhase({ step: "edit" })} disabled={patch.isPending}>
              Back to editing
            </button>
            <button type="button" className="btn" onClick={() => onDone(null)} disabled={patch.isPending}>
              Cancel
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function ReasonField({ id, value, onChange }: { id: string; value: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Reason (optional, kept in the audit log)</label>
      <input id={id} type="text" value={value} onChange={(e) => onChange(e.target.value)} maxLength={1000} />
    </div>
  );
}

function hintFor(typename: string, mode: EditMode): string {
  switch (mode) {
    case "primitive":
      if (typename.endsWith("/int")) return "A whole number from -2147483648 to 2147483647.";
      if (typename.endsWith("/long")) return "A whole number from -9223372036854775808 to 9223372036854775807.";
      if (typename.endsWith("/float")) return "A finite decimal number (32-bit float: about 7 significant digits).";
      if (typename.endsWith("/double")) return "A finite decimal number.";
      if (typename.endsWith("/bool")) return "true or false.";
      return "The string exactly as typed (no quotes).";
    case "json":
      return `JSON, stored as UTF-8 under ${typename}. It must parse.`;
    case "text":
      return `Stored as these UTF-8 bytes under ${typename}.`;
    case "base64":
      return `The raw bytes of ${typename}, base64 (line breaks are ignored).`;
  }
}
