"use client";

import { Field } from "../field";
import type { EndpointErrors, EndpointValues } from "./endpoint-values";

const TEXT = { spellCheck: false, autoComplete: "off" } as const;

/**
 * The spec of an io.statefun.endpoints.v2/http endpoint as form fields: pattern, URL template, timeouts (read and
 * write only for the OkHttp transport), max batch and the function type to probe.
 */
export function EndpointFields(props: {
  values: EndpointValues;
  errors: EndpointErrors;
  onChange: (field: keyof EndpointValues, value: string) => void;
  okhttp?: boolean;
  probeHint: string;
  probeRequired: boolean;
}) {
  const { values, errors, onChange } = props;
  const field = (name: keyof EndpointValues) => ({ value: values[name], onChange: (e: { target: { value: string } }) => onChange(name, e.target.value), error: errors[name] });
  return (
    <div className="form-grid">
      <Field label="Functions pattern" name="functions" {...field("functions")} placeholder="example/*" {...TEXT} required hint="namespace/name for one function type, namespace/* for a whole namespace." />
      <Field className="span-2" label="URL template" name="urlPathTemplate" {...field("url")} placeholder="http://functions:8000/statefun" {...TEXT} required hint="http(s); {function.name} is replaced by the function type's name." />
      <Field label="Call timeout" name="call" {...field("call")} placeholder={props.okhttp ? "1 min" : "2 min"} {...TEXT} hint={`The whole call, retries included. Default ${props.okhttp ? "1 min" : "2 min"}.`} />
      <Field label="Connect timeout" name="connect" {...field("connect")} placeholder={props.okhttp ? "10 s" : "20 s"} {...TEXT} hint={`Default ${props.okhttp ? "10 s" : "20 s"}.`} />
      {props.okhttp ? (
        <>
          <Field label="Read timeout" name="read" {...field("read")} placeholder="10 s" {...TEXT} hint="OkHttp transport. Default 10 s." />
          <Field label="Write timeout" name="write" {...field("write")} placeholder="10 s" {...TEXT} hint="OkHttp transport. Default 10 s." />
        </>
      ) : null}
      <Field label="Max batch" name="maxNumBatchRequests" inputMode="numeric" {...field("maxBatch")} placeholder="1000" autoComplete="off" hint="Messages batched per address before backpressure. Default 1,000." />
      <Field label="Function type to probe" name="probeFunctionType" {...field("probeType")} placeholder="example/person" {...TEXT} required={props.probeRequired} hint={props.probeHint} />
    </div>
  );
}
