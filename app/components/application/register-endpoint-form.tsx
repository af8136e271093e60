"use client";

import { useState, type FormEvent } from "react";
import { Duration, FunctionsPattern, FUNCTIONS_PATTERN_RE } from "@/server/contracts/registry";
import { Typename } from "@/server/contracts/common";
import { DURATION_HELP } from "@/server/contracts/duration";
import { formatLatency, plural } from "../../lib/format";
import { useCreateEndpoint, useProbe } from "../../lib/hooks/use-endpoints";
import type { EndpointInput, ProbeResult } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { Field } from "../field";
import { DeclaredStateTable } from "./declared-state-table";

interface Values {
  functions: string;
  url: string;
  call: string;
  connect: string;
  maxBatch: string;
  probeType: string;
}
type Errors = Partial<Record<keyof Values, string>>;

const EMPTY: Values = { functions: "", url: "", call: "", connect: "", maxBatch: "", probeType: "" };

const isExact = (pattern: string) => FUNCTIONS_PATTERN_RE.test(pattern) && !pattern.endsWith("/*");
const firstIssue = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  r.success ? null : (r.error?.issues[0]?.message ?? "is invalid");

/** Client-side checks with the server's own schemas, so most mistakes are caught before a request. */
function validate(v: Values): { errors: Errors; input: EndpointInput | null; probeType: string } {
  const errors: Errors = {};
  const functions = v.functions.trim();
  const url = v.url.trim();
  const probeType = v.probeType.trim() || (isExact(functions) ? functions : "");

  const f = firstIssue(FunctionsPattern.safeParse(functions));
  if (!functions) errors.functions = "Enter a pattern such as example/greeter or example/*.";
  else if (f) errors.functions = `The pattern ${f}.`;

  if (!url) errors.url = "Enter the URL the functions are served at.";
  else if (!/^https?:\/\//i.test(url)) errors.url = "The URL must start with http:// or https://.";

  const transport: NonNullable<EndpointInput["transport"]> = {};
  for (const key of ["call", "connect"] as const) {
    const text = v[key].trim();
    if (!text) continue;
    const issue = firstIssue(Duration.safeParse(text));
    if (issue) errors[key] = issue.startsWith('"') ? issue : `${issue}; ${DURATION_HELP}`;
    else transport[key] = text;
  }

  let maxNumBatchRequests: number | undefined;
  if (v.maxBatch.trim()) {
    const n = Number(v.maxBatch.trim());
    if (!Number.isInteger(n) || n < 1) errors.maxBatch = "Enter a whole number of at least 1.";
    else maxNumBatchRequests = n;
  }

  if (!probeType) errors.probeType = "A namespace pattern needs a function type to probe, e.g. example/person.";
  else {
    const t = firstIssue(Typename.safeParse(probeType));
    if (t) errors.probeType = `The function type ${t}.`;
    else if (!errors.functions && functions.endsWith("/*") && probeType.split("/")[0] !== functions.split("/")[0])
      errors.probeType = `${probeType} is not bound by ${functions}; use a type in the ${functions.split("/")[0]} namespace.`;
    else if (!errors.functions && isExact(functions) && probeType !== functions)
      errors.probeType = `An exact pattern can only probe itself (${functions}).`;
  }

  if (Object.keys(errors).length) return { errors, input: null, probeType };
  return {
    errors,
    probeType,
    input: {
      functions,
      urlPathTemplate: url,
      ...(maxNumBatchRequests !== undefined ? { maxNumBatchRequests } : {}),
      ...(Object.keys(transport).length ? { transport } : {}),
      probeFunctionType: probeType,
    },
  };
}

/**
 * Register is a two-step dry run: Probe sends a real request to the function and shows the state it
 * declares; Register stays disabled until the probe succeeded for exactly the values in the form.
 */
export function RegisterEndpointForm({ app }: { app: string }) {
  const probe = useProbe();
  const create = useCreateEndpoint(app);
  const [values, setValues] = useState<Values>(EMPTY);
  const [probeTypeEdited, setProbeTypeEdited] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [probed, setProbed] = useState<{ key: string; result: ProbeResult; type: string } | null>(null);
  const [registered, setRegistered] = useState<string | null>(null);

  const current = validate(values);
  const key = current.input ? JSON.stringify(current.input) : null;
  const probeIsCurrent = probed !== null && key !== null && probed.key === key;

  function set<K extends keyof Values>(field: K, value: string) {
    setRegistered(null);
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
    create.reset();
    const { errors: errs, input, probeType } = validate(values);
    setErrors(errs);
    if (!input) return;
    const k = JSON.stringify(input);
    probe.mutate(
      { urlPathTemplate: input.urlPathTemplate, functionType: probeType, ...(input.transport ? { transport: input.transport } : {}) },
      { onSuccess: (result) => setProbed({ key: k, result, type: probeType }), onError: () => setProbed(null) },
    );
  }

  function onRegister() {
    const { input } = validate(values);
    if (!input || !probeIsCurrent) return;
    create.mutate(input, {
      onSuccess: (endpoint) => {
        setRegistered(endpoint.functions);
        setValues(EMPTY);
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
        <div className="form-grid">
          <Field
            label="Functions pattern"
            name="functions"
            value={values.functions}
            onChange={(e) => set("functions", e.target.value)}
            placeholder="example/*"
            spellCheck={false}
            autoComplete="off"
            required
            hint="namespace/name for one function type, namespace/* for a whole namespace."
            error={errors.functions}
          />
          <Field
            className="span-2"
            label="URL template"
            name="urlPathTemplate"
            value={values.url}
            onChange={(e) => set("url", e.target.value)}
            placeholder="http://functions:8000/statefun"
            spellCheck={false}
            autoComplete="off"
            required
            hint="http(s); {function.name} is replaced by the function type's name."
            error={errors.url}
          />
          <Field
            label="Call timeout"
            name="call"
            value={values.call}
            onChange={(e) => set("call", e.target.value)}
            placeholder="2 min"
            spellCheck={false}
            autoComplete="off"
            hint="The whole call, retries included. Default 2 min."
            error={errors.call}
          />
          <Field
            label="Connect timeout"
            name="connect"
            value={values.connect}
            onChange={(e) => set("connect", e.target.value)}
            placeholder="20 s"
            spellCheck={false}
            autoComplete="off"
            hint="Default 20 s."
            error={errors.connect}
          />
          <Field
            label="Max batch"
            name="maxNumBatchRequests"
            inputMode="numeric"
            value={values.maxBatch}
            onChange={(e) => set("maxBatch", e.target.value)}
            placeholder="1000"
            autoComplete="off"
            hint="Messages batched per address before backpressure. Default 1,000."
            error={errors.maxBatch}
          />
          <Field
            label="Function type to probe"
            name="probeFunctionType"
            value={values.probeType}
            onChange={(e) => {
              setProbeTypeEdited(true);
              set("probeType", e.target.value);
            }}
            placeholder="example/person"
            spellCheck={false}
            autoComplete="off"
            required={values.functions.trim().endsWith("/*")}
            hint={values.functions.trim().endsWith("/*") ? "Required for a namespace pattern." : "Filled in from an exact pattern."}
            error={errors.probeType}
          />
        </div>

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

        <ErrorAlert error={create.error} prefix="Could not register the endpoint" />
        <div className="form-actions">
          <button type="submit" className="btn" disabled={probe.isPending}>
            {probe.isPending ? "Probing…" : "Probe"}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={onRegister}
            disabled={!probeIsCurrent || create.isPending}
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
              Registered {registered}.
            </span>
          ) : null}
        </p>
      </form>
    </section>
  );
}
