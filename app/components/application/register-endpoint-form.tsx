"use client";

import { useState, type FormEvent } from "react";
import { formatLatency, plural } from "../../lib/format";
import { useCreateEndpoint, useProbe } from "../../lib/hooks/use-endpoints";
import type { ProbeResult } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { DeclaredStateTable } from "./declared-state-table";
import { EndpointFields } from "./endpoint-fields";
import { EMPTY_VALUES, isExact, validateEndpoint, type EndpointErrors, type EndpointValues } from "./endpoint-values";
import { bindingConflictsOf, describeMove, MovePrompt } from "./move-prompt";
import type { BindingConflict } from "@/server/contracts/registry";

const validate = (v: EndpointValues) => validateEndpoint(v, { probeRequired: true });

/**
 * Register is a two-step dry run: Probe sends a real request to the function and shows the state it
 * declares; Register stays disabled until the probe succeeded for exactly the values in the form.
 */
export function RegisterEndpointForm({ app }: { app: string }) {
  const probe = useProbe();
  const create = useCreateEndpoint(app);
  const [values, setValues] = useState<EndpointValues>(EMPTY_VALUES);
  const [probeTypeEdited, setProbeTypeEdited] = useState(false);
  const [errors, setErrors] = useState<EndpointErrors>({});
  const [probed, setProbed] = useState<{ key: string; result: ProbeResult; type: string } | null>(null);
  const [registered, setRegistered] = useState<{ functions: string; moved: string | null } | null>(null);
  // the question a 409 function-type-bound-elsewhere asks, kept while the move is sent
  const [conflicts, setConflicts] = useState<BindingConflict[] | null>(null);

  const current = validate(values);
  const key = current.input ? JSON.stringify(current.input) : null;
  const probeIsCurrent = probed !== null && key !== null && probed.key === key;

  function set(field: keyof EndpointValues, value: string) {
    setRegistered(null);
    if (field === "probeType") setProbeTypeEdited(true);
    // a conflict answered for other values must not be moved with these
    forgetConflict();
    setValues((old) => {
      const next = { ...old, [field]: value };
      // The probe type follows an exact pattern until the user types their own.
      if (field === "functions" && !probeTypeEdited) next.probeType = isExact(value.trim()) ? value.trim() : "";
      return next;
    });
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  }

  function onProbe(e?: FormEvent) {
    e?.preventDefault();
    setRegistered(null);
    forgetConflict();
    const { errors: errs, input, probeType } = validate(values);
    setErrors(errs);
    if (!input) return;
    const k = JSON.stringify(input);
    probe.mutate(
      { urlPathTemplate: input.urlPathTemplate, functionType: probeType, ...(input.transport ? { transport: input.transport } : {}) },
      { onSuccess: (result) => setProbed({ key: k, result, type: probeType }), onError: () => setProbed(null) },
    );
  }

  function forgetConflict() {
    setConflicts(null);
    create.reset();
  }

  /** `move`: the user answered the conflict's question with yes. */
  function onRegister(move = false) {
    const { input } = validate(values);
    if (!input || !probeIsCurrent) return;
    create.mutate({ input, move }, {
      onError: (e) => setConflicts(bindingConflictsOf(e)),
      onSuccess: (endpoint) => {
        setRegistered({ functions: endpoint.functions, moved: move && conflicts ? describeMove(conflicts) : null });
        setConflicts(null);
        setValues(EMPTY_VALUES);
        setProbeTypeEdited(false);
        setProbed(null);
        probe.reset();
      },
    });
  }

  const stale = probed !== null && !probeIsCurrent;
  return (
    <section className="card" aria-labelledby="register-heading">
      <h2 id="register-heading">Register endpoint</h2>
      <form onSubmit={onProbe} noValidate>
        <EndpointFields
          values={values}
          errors={errors}
          onChange={set}
          probeRequired={values.functions.trim().endsWith("/*")}
          probeHint={values.functions.trim().endsWith("/*") ? "Required for a namespace pattern." : "Filled in from an exact pattern."}
        />

        <ErrorAlert error={probe.error} prefix="Probe failed" />
        <div className="probe-result" aria-live="polite" aria-atomic="true">
          {probe.isPending ? (
            <p className="muted">
              <span className="spinner" aria-hidden="true" /> Probing {current.probeType || "the function"}…
            </p>
          ) : probed && !probe.isError ? (
            <div className="probe-ok">
              <p>
                <strong>Reachable.</strong> <span className="mono">{probed.result.url}</span> answered in{" "}
                {formatLatency(probed.result.latencyMs)}; <span className="mono">{probed.type}</span> declares{" "}
                {plural(probed.result.declaredState.length, "state value")}.
                {stale ? <strong> The form changed since: probe again before registering.</strong> : null}
              </p>
              <DeclaredStateTable functionType={probed.type} state={probed.result.declaredState} />
            </div>
          ) : null}
        </div>

        {conflicts ? (
          <MovePrompt app={app} conflicts={conflicts} action="Move and register" pending={create.isPending} onMove={() => onRegister(true)} onCancel={forgetConflict} />
        ) : (
          <ErrorAlert error={create.error} prefix="Could not register the endpoint" />
        )}
        <div className="form-actions">
          <button type="submit" className="btn" disabled={probe.isPending}>
            {probe.isPending ? "Probing…" : "Probe"}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => onRegister()}
            disabled={!probeIsCurrent || create.isPending || conflicts !== null}
            aria-describedby="register-hint"
          >
            {create.isPending ? "Registering…" : "Register"}
          </button>
          <span id="register-hint" className="small muted">
            {probeIsCurrent ? "The probe succeeded; Register saves this endpoint with its declared state." : "Probe the function first."}
          </span>
        </div>
        <p aria-live="polite" className="small">
          {registered ? (
            <span className="alert alert-success" style={{ display: "inline-block" }}>
              Registered {registered.functions}
              {registered.moved ? <>, moving {registered.moved} to this application</> : null}.
            </span>
          ) : null}
        </p>
      </form>
    </section>
  );
}
