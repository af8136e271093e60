import type { ModuleDiff } from "@/server/contracts/registry";
import { toEndpointSpec } from "@/server/registry/endpoint-spec";
import type { ParsedModule } from "./parse-module";

type Entry = Record<string, unknown>;
type Change = { added: Entry[]; removed: Entry[]; changed: Array<{ before: Entry; after: Entry }>; unchanged: number };

/** Plain JSON with object keys sorted, so that two specs compare equal whatever order their keys came in. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => (v as Entry)[k] !== undefined)
        .map((k) => [k, canonical((v as Entry)[k])]),
    );
  return v;
}

function diffBy(current: Map<string, Entry>, next: Map<string, Entry>): Change {
  const out: Change = { added: [], removed: [], changed: [], unchanged: 0 };
  const keys = [...new Set([...current.keys(), ...next.keys()])].sort();
  for (const key of keys) {
    const before = current.get(key);
    const after = next.get(key);
    if (before === undefined) out.added.push(after!);
    else if (after === undefined) out.removed.push(before);
    else if (JSON.stringify(before) === JSON.stringify(after)) out.unchanged++;
    else out.changed.push({ before, after });
  }
  return out;
}

/** Endpoints as `{functions, kind, spec}` where spec is the exported component spec. */
const endpointEntries = (m: ParsedModule) =>
  new Map(m.endpoints.map((e) => [e.functions, canonical({ functions: e.functions, kind: e.kind, spec: toEndpointSpec(e) }) as Entry]));

/** Ingresses and egresses as `{id, kind, spec}`. */
const ioEntries = (list: ParsedModule["ingresses"]) =>
  new Map(list.map((c) => [c.id, canonical({ id: c.id, kind: c.kind, spec: c.spec }) as Entry]));

/**
 * What replacing `current` by `next` would do (the body of a `PUT …/module?dryRun=true` answer, without
 * `applied`). Endpoints are keyed by `functions`, ingresses and egresses by id; every list is sorted by key.
 * An entry counts as changed when its kind or exported spec differs, so a change only in an omitted default
 * (e.g. writing `call: 2 min` explicitly) is not a change.
 */
export function diffModule(current: ParsedModule, next: ParsedModule): Omit<ModuleDiff, "applied"> {
  return {
    endpoints: diffBy(endpointEntries(current), endpointEntries(next)),
    ingresses: diffBy(ioEntries(current.ingresses), ioEntries(next.ingresses)),
    egresses: diffBy(ioEntries(current.egresses), ioEntries(next.egresses)),
  };
}
