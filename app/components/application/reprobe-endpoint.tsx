"use client";

import { useState, type FormEvent } from "react";
import { Typename } from "@/server/contracts/common";
import { formatDate, plural } from "../../lib/format";
import { useReprobeEndpoint } from "../../lib/hooks/use-endpoints";
import type { Endpoint } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { Field } from "../field";
import { DeclaredStateTable } from "./declared-state-table";
import { isExact } from "./endpoint-values";

/** The types worth offering: the pattern itself, or those of the namespace already probed or seen. */
export function knownTypes(e: Endpoint): string[] {
  if (isExact(e.functions)) return [e.functions];
  return [...new Set([...Object.keys(e.declaredState), ...e.seenTypes.map((t) => t.functionType)])].sort();
}

/** Sends a real ToFunction for one type the endpoint binds and stores the state it declares now. */
export function ReprobeEndpoint({ app, endpoint }: { app: string; endpoint: Endpoint }) {
  const reprobe = useReprobeEndpoint(app);
  const options = knownTypes(endpoint);
  const exact = isExact(endpoint.functions);
  const [functionType, setFunctionType] = useState(options[0] ?? "");
  const [error, setError] = useState<string | null>(null);
  const listId = `probe-types-${endpoint.id}`;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const type = functionType.trim();
    const parsed = Typename.safeParse(type);
    if (!parsed.success) return setError(`Enter a function type such as ${endpoint.functions.replace("*", "person")}.`);
    if (type.split("/")[0] !== endpoint.functions.split("/")[0] || (exact && type !== endpoint.functions))
      return setError(`${type} is not bound by ${endpoint.functions}.`);
    setError(null);
    reprobe.mutate({ endpointId: endpoint.id, functionType: type });
  }

  const done = reprobe.isSuccess ? reprobe.data : null;
  const probedType = reprobe.variables?.functionType ?? "";
  return (
    <form onSubmit={onSubmit} noValidate>
      <div className="form-grid">
        <Field
          label="Function type to probe"
          name="functionType"
          value={functionType}
          onChange={(e) => {
            setFunctionType(e.target.value);
            setError(null);
            reprobe.reset();
          }}
          readOnly={exact}
          list={exact ? undefined : listId}
          spellCheck={false}
          autoComplete="off"
          hint={exact ? "An exact pattern probes itself." : "Any type of the namespace; the ones probed or seen before are suggested."}
          error={error}
        />
      </div>
      {exact ? null : (
        <datalist id={listId}>
          {options.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      )}
      <ErrorAlert error={reprobe.error} prefix="Probe failed" />
      <div aria-live="polite">
        {done ? (
          <div className="probe-ok">
            <p>
              <strong>Probed</strong> <span className="mono">{probedType}</span>
              {done.probedAt ? (
                <>
                  {" "}
                  at <time dateTime={done.probedAt}>{formatDate(done.probedAt, true)}</time>
                </>
              ) : null}
              : it declares {plural(done.declaredState[probedType]?.length ?? 0, "state value")}, now stored with the endpoint.
            </p>
            <DeclaredStateTable functionType={probedType} state={done.declaredState[probedType] ?? []} />
          </div>
        ) : null}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={reprobe.isPending}>
          {reprobe.isPending ? "Probing…" : "Probe again"}
        </button>
      </div>
    </form>
  );
}
