import { isNode, LineCounter, parseAllDocuments, type Document, type YAMLError } from "yaml";
import { AppError, isAppError } from "@/server/errors";
import { ENDPOINT_V1, ENDPOINT_V2 } from "@/server/contracts/registry";
import { normalizeEndpoint, type EndpointKind, type EndpointRecord } from "@/server/registry/endpoint-spec";
import { findUnstorable } from "@/server/contracts/stored-text";
import { isEgressKind, isIngressKind, normalizeIoComponent, SpecIssue, type IoComponent } from "./io-components";
import { closestKind, SUPPORTED_KINDS, UNSUPPORTED_KINDS, WEBHOOK_EGRESS } from "./kinds";
import type { HostPolicy } from "@/server/net/host-policy";

export type { IoComponent } from "./io-components";

/** A module file as Statehouse stores it: endpoints with StateFun's defaults applied, ingresses, egresses. */
export interface ParsedModule {
  endpoints: EndpointRecord[];
  ingresses: IoComponent[];
  egresses: IoComponent[];
}

type Path = Array<string | number>;

const pathText = (path: Path) =>
  path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");

/** Where we are in the stream, so that every error can say which document (1-based) and line it is about. */
class DocContext {
  constructor(
    readonly index: number,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the deepest node on `path` that exists (the document start when none does). */
  lineOf(path: Path): number | undefined {
    for (let k = path.length; k >= 0; k--) {
      const node = k === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, k), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  fail(kind: string | null, path: Path | null, message: string, code: "invalid-module" | "invalid-pattern" | "invalid-duration" | "host-not-allowed" = "invalid-module", extra: Record<string, unknown> = {}): never {
    const line = this.lineOf(path ?? []);
    const where = path && path.length > 0 ? `${pathText(path)}: ` : "";
    const prefix = kind === null ? `document ${this.index}` : `document ${this.index} (kind ${kind})`;
    throw new AppError(code, `${prefix}: ${where}${message}${line !== undefined ? ` (line ${line})` : ""}`, {
      document: this.index,
      kind,
      ...(path && path.length > 0 ? { path: pathText(path) } : {}),
      ...(line !== undefined ? { line } : {}),
      ...extra,
    });
  }
}

function syntaxError(index: number, e: YAMLError): AppError {
  const [start] = e.linePos ?? [];
  // yaml's message repeats the position and appends a code excerpt; keep only the first clause.
  const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  const at = start ? ` at line ${start.line}, column ${start.col}` : "";
  return new AppError("invalid-yaml", `YAML syntax error in document ${index}${at}: ${reason}`, {
    document: index,
    ...(start ? { line: start.line, column: start.col } : {}),
    yamlCode: e.code,
  });
}

function legacyFormat(ctx: DocContext, value: Record<string, unknown>): never {
  const version = value.version === undefined ? null : String(value.version);
  const extra = { version };
  if (version === "3.0")
    ctx.fail(null, null,
      'this is a format 3.0 module file (`version: "3.0"`); Statehouse accepts only format 3.1: a stream of documents ' +
        "`{kind, spec}`, one per component, separated by `---`. Turn each module.spec.endpoints[] entry into a document " +
        `with \`kind: ${ENDPOINT_V1}\` (or ${ENDPOINT_V2}) and its spec, and each ingress/egress into a document whose kind ` +
        "is its meta.type with meta.id moved into spec.id",
      "invalid-module", extra);
  if (version === "1.0" || version === "2.0")
    ctx.fail(null, null,
      `this is a StateFun 2.x module file (\`version: "${version}"\`), which StateFun 3.x no longer loads; Statehouse accepts ` +
        `only format 3.1. Declare each remote endpoint as a document \`kind: ${ENDPOINT_V2}\` with spec ` +
        "{functions, urlPathTemplate}; state is now declared by the functions themselves (in the SDK), not in YAML",
      "invalid-module", extra);
  ctx.fail(null, null,
    `this looks like a legacy module file${version === null ? "" : ` (\`version: "${version}"\`)`}; Statehouse accepts only ` +
      "format 3.1: a stream of documents `{kind, spec}`, one per component, separated by `---`",
    "invalid-module", extra);
}

function endpoint(ctx: DocContext, kind: EndpointKind, spec: Record<string, unknown>, hosts: HostPolicy | undefined): EndpointRecord {
  try {
    return normalizeEndpoint(kind, spec, hosts);
  } catch (e) {
    if (!isAppError(e)) throw e;
    const field = typeof e.details?.field === "string" ? e.details.field : null;
    const code = e.code === "invalid-pattern" || e.code === "invalid-duration" || e.code === "host-not-allowed" ? e.code : "invalid-module";
    if (field === null) ctx.fail(kind, ["spec"], e.message, code);
    const message = e.message.startsWith(`${field}: `) ? e.message.slice(field.length + 2) : e.message;
    ctx.fail(kind, ["spec", ...field.split(".")], message, code);
  }
}

function unknownKind(ctx: DocContext, kind: string): never {
  const reason = UNSUPPORTED_KINDS[kind];
  if (reason) ctx.fail(kind, null, reason);
  const guess = closestKind(kind);
  ctx.fail(kind, null,
    `unknown component kind${guess ? `; did you mean ${guess}?` : "."} Supported kinds: ${SUPPORTED_KINDS.join(", ")}`);
}

/**
 * Parses a StateFun module file (format 3.1: a multi-document stream of `{kind, spec}` components) into the
 * records Statehouse stores. Components keep document order. Throws AppError "invalid-yaml" for syntax
 * errors and "invalid-module" (or "invalid-pattern"/"invalid-duration") for everything else, always naming
 * the 1-based document index. With a host policy (applying a module), endpoint and webhook URLs it refuses
 * fail with "host-not-allowed".
 */
export function parseModuleYaml(text: string, hosts?: HostPolicy): ParsedModule {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  const out: ParsedModule = { endpoints: [], ingresses: [], egresses: [] };
  if (!Array.isArray(docs) || "empty" in docs) {
    const first = (docs as { errors?: YAMLError[] }).errors?.[0];
    if (first) throw syntaxError(1, first);
    return out;
  }

  // Report syntax errors before any semantic error, whichever document they are in.
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw syntaxError(i + 1, doc.errors[0]);
  });

  const seenFunctions = new Map<string, number>();
  const seenIngress = new Map<string, number>();
  const seenEgress = new Map<string, number>();

  docs.forEach((doc, i) => {
    const ctx: DocContext = new DocContext(i + 1, doc, lines);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // Unresolved aliases and alias bombs only surface when the document is converted.
      const line = ctx.lineOf([]);
      throw new AppError("invalid-yaml", `YAML error in document ${ctx.index}${line ? ` (line ${line})` : ""}: ${(e as Error).message}`, {
        document: ctx.index,
        ...(line ? { line } : {}),
      });
    }
    if (value === null || value === undefined) return;
    // YAML escapes make what no field can store ("\0", "\ud800"); refused before any field is read.
    const unstorable = findUnstorable(value);
    if (unstorable) ctx.fail(null, unstorable.path, unstorable.problem);
    if (typeof value !== "object" || Array.isArray(value))
      ctx.fail(null, null, `must be a mapping \`{kind: <typename>, spec: {...}}\`, not ${Array.isArray(value) ? "a list" : `the ${typeof value} ${JSON.stringify(value)}`}`);
    const component = value as Record<string, unknown>;

    if (component.kind === undefined) {
      if ("version" in component || "module" in component) legacyFormat(ctx, component);
      ctx.fail(null, null, "missing `kind`: each document must be a component `{kind: <typename>, spec: {...}}`, e.g. `kind: io.statefun.endpoints.v2/http`");
    }
    if (typeof component.kind !== "string" || component.kind.trim() === "")
      ctx.fail(null, ["kind"], `must be a component kind such as ${ENDPOINT_V2}, not ${JSON.stringify(component.kind)}`);
    const kind = component.kind;
    const known = kind === ENDPOINT_V2 || kind === ENDPOINT_V1 || isIngressKind(kind) || isEgressKind(kind);
    if (!known) unknownKind(ctx, kind);

    const spec = component.spec;
    if (spec === undefined) ctx.fail(kind, null, "missing `spec`: each document must be `{kind, spec: {...}}`");
    if (typeof spec !== "object" || spec === null || Array.isArray(spec))
      ctx.fail(kind, ["spec"], `must be a mapping, not ${Array.isArray(spec) ? "a list" : JSON.stringify(spec)}`);
    const specObj = spec as Record<string, unknown>;

    if (kind === ENDPOINT_V2 || kind === ENDPOINT_V1) {
      const record = endpoint(ctx, kind, specObj, hosts);
      const earlier = seenFunctions.get(record.functions);
      if (earlier !== undefined)
        ctx.fail(kind, ["spec", "functions"],
          `"${record.functions}" is already bound by document ${earlier}; each functions pattern may appear in only one endpoint, so remove or merge one of them`,
          "invalid-module", { duplicateOf: earlier });
      seenFunctions.set(record.functions, ctx.index);
      out.endpoints.push(record);
      return;
    }

    let io: IoComponent;
    try {
      io = normalizeIoComponent(kind, specObj);
    } catch (e) {
      if (!(e instanceof SpecIssue)) throw e;
      ctx.fail(kind, ["spec", ...e.path], e.message, e.code);
    }
    const hostError = io.kind === WEBHOOK_EGRESS ? hosts?.urlProblem(String(io.spec.url)) : null;
    if (hostError) ctx.fail(kind, ["spec", "url"], hostError, "host-not-allowed");
    const ingress = isIngressKind(kind);
    const seen = ingress ? seenIngress : seenEgress;
    const earlier = seen.get(io.id);
    if (earlier !== undefined)
      ctx.fail(kind, kind.startsWith("io.statefun.playground") ? null : ["spec", "id"],
        `${ingress ? "ingress" : "egress"} id ${io.id} is already declared by document ${earlier}; ids must be unique within a module, so remove or rename one of them`,
        "invalid-module", { duplicateOf: earlier });
    seen.set(io.id, ctx.index);
    (ingress ? out.ingresses : out.egresses).push(io);
  });
  return out;
}
