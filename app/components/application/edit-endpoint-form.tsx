"use client";

import { useId, useState, type FormEvent } from "react";
import type { BindingConflict } from "@/server/contracts/registry";
import { OKHTTP_TRANSPORT } from "@/server/contracts/registry";
import { useReplaceEndpoint } from "../../lib/hooks/use-endpoints";
import type { Endpoint } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { EndpointFields } from "./endpoint-fields";
import { isExact, validateEndpoint, valuesOf, type EndpointErrors, type EndpointValues } from "./endpoint-values";
import { bindingConflictsOf, MovePrompt } from "./move-prompt";

/**
 * Replaces an endpoint's spec (PUT): the transport's type and the properties the form does not show are kept.
 * Saving probes first unless the user says not to — an exact pattern probes itself, a wildcard the type given.
 */
export function EditEndpointForm({ app, endpoint, onDone }: { app: string; endpoint: Endpoint; onDone: (saved: string | null) => void }) {
  const id = useId();
  const replace = useReplaceEndpoint(app);
  const [values, setValues] = useState<EndpointValues>(() => valuesOf(endpoint));
  const [errors, setErrors] = useState<EndpointErrors>({});
  const [skipProbe, setSkipProbe] = useState(false);
  const [conflicts, setConflicts] = useState<BindingConflict[] | null>(null);
  const okhttp = endpoint.transport.type === OKHTTP_TRANSPORT;
  const wildcard = values.functions.trim().endsWith("/*");

  function set(field: keyof EndpointValues, value: string) {
    setConflicts(null);
    replace.reset();
    setValues((old) => {
      const next = { ...old, [field]: value };
      if (field === "functions" && isExact(old.probeType) && old.probeType === old.functions.trim()) next.probeType = isExact(value.trim()) ? value.trim() : "";
      return next;
    });
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  }

  function save(move = false) {
    const { errors: errs, input } = validateEndpoint(values, { probeRequired: false, baseTransport: endpoint.transport });
    setErrors(errs);
    if (!input) return;
    const body = skipProbe ? { ...input, probeFunctionType: undefined, skipProbe: true } : input;
    replace.mutate(
      { endpointId: endpoint.id, input: body, move },
      { onError: (e) => setConflicts(bindingConflictsOf(e)), onSuccess: (saved) => onDone(saved.functions) },
    );
  }

  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save();
      }}
      noValidate
    >
      <EndpointFields
        values={values}
        errors={errors}
        onChange={set}
        okhttp={okhttp}
        probeRequired={false}
        probeHint={wildcard ? "Optional: a type of the namespace to probe before saving." : "An exact pattern probes itself."}
      />
      <label className="checkbox-field" htmlFor={`${id}-skip`}>
        <input id={`${id}-skip`} type="checkbox" checked={skipProbe} onChange={(e) => setSkipProbe(e.target.checked)} />
        Save without probing (the function need not be reachable now)
      </label>
      {conflicts ? (
        <MovePrompt app={app} conflicts={conflicts} action="Move and save" pending={replace.isPending} onMove={() => save(true)} onCancel={() => setConflicts(null)} />
      ) : (
        <ErrorAlert error={replace.error} prefix="Could not save the endpoint" />
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={replace.isPending || conflicts !== null}>
          {replace.isPending ? "Saving…" : "Save endpoint"}
        </button>
        <button type="button" className="btn" onClick={() => onDone(null)} disabled={replace.isPending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
