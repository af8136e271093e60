"use client";

import Link from "next/link";
import { useEffect, useId, useRef } from "react";
import { BindingConflictDetails, type BindingConflict } from "@/server/contracts/registry";
import { isApiError } from "../../lib/api";
import "../../styles/registry.css";

/** The conflicts of a 409 function-type-bound-elsewhere, or null for any other error. */
export function bindingConflictsOf(error: unknown): BindingConflict[] | null {
  if (!isApiError(error) || error.code !== "function-type-bound-elsewhere") return null;
  const parsed = BindingConflictDetails.safeParse(error.details);
  return parsed.success && parsed.data.conflicts.length ? parsed.data.conflicts : null;
}

const list = (items: string[]) => (items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`);

/** "example/person from first and shop/cart from second": what moves, application by application. */
export function describeMove(conflicts: BindingConflict[]): string {
  const byApp = new Map<string, string[]>();
  for (const c of conflicts) byApp.set(c.application, [...(byApp.get(c.application) ?? []), ...c.functionTypes]);
  return list([...byApp].map(([app, types]) => `${list(types)} from ${app}`));
}

/**
 * The server refused a binding because another application binds those function types: says which, what a move
 * changes, and asks. The question takes the focus, so a keyboard user answers it next.
 */
export function MovePrompt(props: { app: string; conflicts: BindingConflict[]; action: string; pending: boolean; onMove: () => void; onCancel: () => void }) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const types = props.conflicts.flatMap((c) => c.functionTypes);
  const several = types.length > 1;
  return (
    <div className="move-prompt" role="group" aria-labelledby={`${id}-q`}>
      <h3 id={`${id}-q`} ref={heading} tabIndex={-1}>
        Move {describeMove(props.conflicts)} to this application?
      </h3>
      <ul className="move-list">
        {props.conflicts.map((c) => (
          <li key={`${c.endpointId}|${c.functions}`}>
            <span className="mono">{c.functionTypes.join(", ")}</span> {c.functionTypes.length > 1 ? "are" : "is"} bound by application{" "}
            <Link href={`/applications/${encodeURIComponent(c.application)}`}>{c.application}</Link> through its endpoint{" "}
            <span className="mono">{c.pattern}</span>
            {c.removesEndpoint ? <>, which the move removes</> : null}.
            {c.seen.length ? (
              <>
                {" "}
                <span className="badge badge-neutral">has state</span> <span className="sr-only">the data plane holds addresses of {c.seen.join(", ")}</span>
              </>
            ) : null}
          </li>
        ))}
      </ul>
      <p>
        Moving {several ? "them" : "it"} makes <strong>{props.app}</strong> the owner: {several ? "their" : "its"} savepoints and rollbacks belong to{" "}
        {props.app} from now on, so a savepoint or rollback of {list([...new Set(props.conflicts.map((c) => c.application))])} no longer includes{" "}
        {several ? "them" : "it"}. Messages are dispatched through this application&apos;s endpoint; the state already stored stays as it is.
      </p>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={props.onMove} disabled={props.pending}>
          {props.pending ? "Moving…" : props.action}
        </button>
        <button type="button" className="btn" onClick={props.onCancel} disabled={props.pending}>
          Cancel
        </button>
      </div>
    </div>
  );
}
