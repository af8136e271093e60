import { Document, isScalar, parse, visit } from "yaml";
import { toEndpointSpec } from "@/server/registry/endpoint-spec";
import type { ParsedModule } from "./parse-module";

const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** The order emitModuleYaml writes components in: endpoints by `functions`, then ingresses and egresses by id. */
export function sortModule(m: ParsedModule): ParsedModule {
  return {
    endpoints: [...m.endpoints].sort(byKey((e) => e.functions)),
    ingresses: [...m.ingresses].sort(byKey((i) => i.id)),
    egresses: [...m.egresses].sort(byKey((e) => e.id)),
  };
}

/**
 * True when a plain scalar with this text would not be a string under YAML 1.1. The StateFun runtime reads
 * module files with SnakeYAML (YAML 1.1), where `yes`, `on`, `y` or `1_000` are not strings, while the
 * `yaml` package emits for YAML 1.2 and leaves them plain.
 */
function nonStringInYaml11(text: string): boolean {
  try {
    const v: unknown = parse(text, { version: "1.1" });
    return v === null || v instanceof Date || ["boolean", "number", "bigint"].includes(typeof v);
  } catch {
    return false;
  }
}

function toYamlDocument(kind: string, spec: Record<string, unknown>): string {
  const doc = new Document({ kind, spec });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === "string" && nonStringInYaml11(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/**
 * A StateFun module file (format 3.1) for these components: one `{kind, spec}` document each, endpoints
 * first (sorted by `functions`), then ingresses and egresses (sorted by id).
 * `parseModuleYaml(emitModuleYaml(m))` deep-equals `sortModule(m)`.
 */
export function emitModuleYaml(m: ParsedModule): string {
  const s = sortModule(m);
  const docs = [
    ...s.endpoints.map((e) => toYamlDocument(e.kind, toEndpointSpec(e))),
    ...s.ingresses.map((i) => toYamlDocument(i.kind, i.spec)),
    ...s.egresses.map((e) => toYamlDocument(e.kind, e.spec)),
  ];
  return docs.join("---\n");
}
