"use client";

import { useId, useState } from "react";
import type { BindingConflict } from "@/server/contracts/registry";
import { modulePath, useModuleYaml, usePutModule } from "../../lib/hooks/use-module";
import type { ModuleDiff } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { ModuleDiffView } from "./module-diff";
import { bindingConflictsOf, describeMove, MovePrompt } from "./move-prompt";

/**
 * The application as a StateFun module YAML. Apply replaces every endpoint, ingress and egress, so it is
 * only enabled once "Preview changes" has shown the diff of exactly the text in the editor.
 */
export function ModuleEditor({ app, canEdit }: { app: string; canEdit: boolean }) {
  const textareaId = useId();
  const current = useModuleYaml(app);
  const put = usePutModule(app);
  const [draft, setDraft] = useState<string | null>(null);
  const [result, setResult] = useState<{ yaml: string; diff: ModuleDiff } | null>(null);
  // a 409 function-type-bound-elsewhere asks; a yes holds for this text until it changes
  const [conflicts, setConflicts] = useState<BindingConflict[] | null>(null);
  const [move, setMove] = useState(false);
  const yaml = draft ?? current.data ?? "";
  const previewed = result !== null && !result.diff.applied && result.yaml === yaml;

  function run(dryRun: boolean, withMove = move) {
    put.mutate(
      { yaml, dryRun, move: withMove },
      {
        onSuccess: (diff) => {
          setResult({ yaml, diff });
          setConflicts(null);
          if (!dryRun) {
            setDraft(null);
            setMove(false);
          }
        },
        onError: (e) => {
          setResult(null);
          setConflicts(bindingConflictsOf(e));
        },
      },
    );
  }

  function edit(text: string) {
    setDraft(text);
    setMove(false);
    setConflicts(null);
  }

  return (
    <section className="card" aria-labelledby="module-heading">
      <div className="card-header">
        <h2 id="module-heading">Module YAML</h2>
        <a className="btn btn-small" href={modulePath(app)} download={`${app}.module.yaml`}>
          Export YAML
        </a>
      </div>
      <ErrorAlert error={current.error} prefix="Could not load the module" />
      <div className="field">
        <label htmlFor={textareaId}>StateFun module (format 3.1)</label>
        <textarea
          id={textareaId}
          value={yaml}
          onChange={(e) => edit(e.target.value)}
          readOnly={!canEdit}
          spellCheck={false}
          // long lines (URLs) scroll inside the editor instead of wrapping inside a host or port
          wrap="off"
          rows={14}
          aria-describedby={`${textareaId}-hint`}
          placeholder={current.isPending ? "Loading…" : "kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n  urlPathTemplate: http://functions:8000/statefun"}
        />
        <span id={`${textareaId}-hint`} className="hint">
          One <code>kind</code>/<code>spec</code> document per endpoint, ingress or egress, separated by <code>---</code>.
          Applying replaces all of them.
        </span>
      </div>
      {canEdit ? (
        <div className="form-actions">
          <button type="button" className="btn" onClick={() => run(true)} disabled={put.isPending || !yaml.trim()}>
            {put.isPending && put.variables?.dryRun ? "Previewing…" : "Preview changes"}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => run(false)} disabled={put.isPending || !previewed}>
            {put.isPending && !put.variables?.dryRun ? "Applying…" : "Apply"}
          </button>
          {draft !== null ? (
            <button
              type="button"
              className="btn"
              onClick={() => {
                setDraft(null);
                setResult(null);
                setMove(false);
                setConflicts(null);
                put.reset();
              }}
            >
              Revert edits
            </button>
          ) : null}
          <span className="small muted">{previewed ? "Apply makes the changes shown below." : "Preview the changes before applying."}</span>
        </div>
      ) : null}
      {conflicts ? (
        <MovePrompt
          app={app}
          conflicts={conflicts}
          action="Move and preview"
          pending={put.isPending}
          onMove={() => {
            setMove(true);
            run(true, true);
          }}
          onCancel={() => {
            setConflicts(null);
            put.reset();
          }}
        />
      ) : (
        <ErrorAlert error={put.error} prefix={put.variables?.dryRun ? "Preview failed" : "Apply failed"} />
      )}
      <div aria-live="polite">
        {result?.diff.moves?.length ? (
          <p className="alert alert-info">
            {result.diff.applied ? "Moved" : "Applying moves"} {describeMove(result.diff.moves)} to this application.
          </p>
        ) : null}
        {result ? <ModuleDiffView diff={result.diff} /> : null}
      </div>
    </section>
  );
}
