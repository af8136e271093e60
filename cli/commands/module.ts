import type { Command } from "commander";
import { api } from "../../server/contracts/api";
import type { ModuleDiff } from "../../server/contracts/registry";
import { act, type Cli } from "../context";
import { CliError } from "../errors";
import { readInput } from "../input";

type Entry = Record<string, unknown>;
type Kind = "endpoints" | "ingresses" | "egresses";
const SINGULAR: Record<Kind, string> = { endpoints: "endpoint", ingresses: "ingress", egresses: "egress" };

/** An endpoint by its pattern and URL, an ingress or egress by its id and kind. */
function label(kind: Kind, e: Entry): string {
  if (kind === "endpoints") return `${e.functions} → ${(e.spec as Entry | undefined)?.urlPathTemplate ?? "?"}`;
  return `${e.id} (${e.kind})`;
}

/** `a.b: before → after` for every leaf that differs. */
function changedLeaves(before: unknown, after: unknown, path = ""): string[] {
  const isObj = (v: unknown): v is Entry => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedLeaves(before[k], after[k], path ? `${path}.${k}` : k));
  }
  const [b, a] = [JSON.stringify(before), JSON.stringify(after)];
  return b === a ? [] : [`${path}: ${b ?? "(none)"} → ${a ?? "(none)"}`];
}

export function renderModuleDiff(d: ModuleDiff): string {
  const lines: string[] = [];
  for (const kind of ["endpoints", "ingresses", "egresses"] as const) {
    const c = d[kind];
    lines.push(`${kind}: ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed, ${c.unchanged} unchanged`);
    for (const e of c.added) lines.push(`  + ${SINGULAR[kind]} ${label(kind, e)}`);
    for (const e of c.removed) lines.push(`  - ${SINGULAR[kind]} ${label(kind, e)}`);
    for (const { before, after } of c.changed) {
      lines.push(`  ~ ${SINGULAR[kind]} ${label(kind, after)}`);
      for (const leaf of changedLeaves(before, after)) lines.push(`      ${leaf}`);
    }
  }
  for (const m of d.moves ?? []) lines.push(`move: ${m.functionTypes.join(", ")} from ${m.application} (${m.pattern})${m.removesEndpoint ? ", removing its endpoint" : ""}`);
  const changes = (["endpoints", "ingresses", "egresses"] as const).some((k) => d[k].added.length + d[k].removed.length + d[k].changed.length > 0);
  lines.push(d.applied ? (changes ? "Applied." : "Applied: nothing changed.") : changes ? "Dry run: nothing was applied." : "Dry run: the module is already this.");
  return lines.join("\n");
}

async function putModule(cli: Cli, app: string, file: string, opts: { dryRun?: boolean; move?: boolean }): Promise<void> {
  const yaml = (await readInput(file)).toString("utf8");
  let diff: ModuleDiff;
  try {
    diff = await cli.client.call(api.putModule, {
      params: { app },
      query: { dryRun: opts.dryRun ? "true" : undefined, move: opts.move ? "true" : undefined },
      body: yaml,
      contentType: "application/yaml",
    });
  } catch (e) {
    if (e instanceof CliError && e.code === "function-type-bound-elsewhere" && !opts.move)
      throw new CliError(`${e.message} (add --move to take them)`, e.exitCode, e.code, e.details, e.status);
    throw e;
  }
  cli.out.result(diff, () => renderModuleDiff(diff));
}

async function exportModule(cli: Cli, app: string): Promise<void> {
  const yaml = await cli.client.text(api.getModule, { params: { app } });
  cli.out.result({ application: app, yaml }, () => yaml);
}

export function registerModule(program: Command): void {
  const m = program.command("module").description("an application's StateFun module YAML: apply, diff, export");
  m.command("apply")
    .argument("<app>")
    .argument("<file>", "module YAML (format 3.1), or - for stdin")
    .option("--dry-run", "only show what would change")
    .option("--move", "take function types another application binds now")
    .description("replace the application's endpoints, ingresses and egresses with the module's (admin)")
    .action(act((cli, app: string, file: string, opts: { dryRun?: boolean; move?: boolean }) => putModule(cli, app, file, opts)));
  m.command("diff")
    .argument("<app>")
    .argument("<file>", "module YAML, or - for stdin")
    .option("--move", "as apply --move would")
    .description("what applying the module would change (a dry run)")
    .action(act((cli, app: string, file: string, opts: { move?: boolean }) => putModule(cli, app, file, { ...opts, dryRun: true })));
  m.command("export").argument("<app>").description("print the application as module YAML (round-trips with apply)").action(act(exportModule));
}
