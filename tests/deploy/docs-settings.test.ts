import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";

/**
 * docs/operations.md's "Every setting" table lists exactly the settings server/env.ts parses, each with its default.
 * server/env.ts exports no schema object (only parseEnv), so the keys are read from its source: the properties of
 * `EnvSchema = z.object({ … })`. parseEnv's defaults cross-check that reading.
 */
const ROOT = process.cwd();
/** Settings the table may name that server/env.ts does not parse, and who reads them. */
const READ_ELSEWHERE: Record<string, string> = { PORT: "Next.js (the web app's port)" };
const REQUIRED = { DATABASE_URL: "postgresql://u@127.0.0.1:5432/d", REDIS_URL: "redis://127.0.0.1:6379" };

/** The keys of `const EnvSchema = z.object({ … });`, in order (two-space indented properties only). */
function schemaKeys(source: string): string[] {
  const start = source.indexOf("const EnvSchema = z.object({");
  if (start < 0) throw new Error("server/env.ts no longer declares `const EnvSchema = z.object({`: update this test's reader");
  const end = source.indexOf("\n});", start);
  return [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]);
}

/** Rows of the table under "## Every setting": setting → the rest of its row. One setting per row. */
function documentedSettings(markdown: string): Map<string, string> {
  const start = markdown.indexOf("\n## Every setting");
  if (start < 0) throw new Error('docs/operations.md has no "## Every setting" section');
  const next = markdown.indexOf("\n## ", start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|(.*)$/gm)) {
    if (rows.has(m[1])) throw new Error(`docs/operations.md lists ${m[1]} twice`);
    rows.set(m[1], m[2]);
  }
  return rows;
}

/** What is wrong between the schema's keys (with their parsed defaults) and the documented rows. */
function settingProblems(keys: string[], defaults: Record<string, unknown>, rows: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const k of keys) {
    const row = rows.get(k);
    if (row === undefined) {
      problems.push(`${k} is a setting (server/env.ts) missing from docs/operations.md`);
      continue;
    }
    const d = defaults[k];
    if (d === undefined || typeof d === "object") continue; // no default, or a parsed list
    const defaultCell = row.split("|")[0];
    if (!defaultCell.includes(`\`${String(d)}\``)) problems.push(`${k}: docs/operations.md gives the default as "${defaultCell.trim()}"; server/env.ts's is ${String(d)}`);
  }
  for (const k of rows.keys())
    if (!keys.includes(k) && !(k in READ_ELSEWHERE)) problems.push(`${k} is in docs/operations.md but no longer a setting (not in server/env.ts)`);
  return problems;
}

describe("docs/operations.md lists every setting", () => {
  const keys = schemaKeys(readFileSync(join(ROOT, "server", "env.ts"), "utf8"));
  const parsed = parseEnv(REQUIRED) as unknown as Record<string, unknown>;
  /** What each setting is when unset: the required ones were given, so they have none. */
  const defaults = Object.fromEntries(Object.entries(parsed).filter(([k]) => !(k in REQUIRED)));
  const rows = documentedSettings(readFileSync(join(ROOT, "docs", "operations.md"), "utf8"));

  it("reads the schema's keys from server/env.ts (every key parseEnv returns is among them)", () => {
    expect(keys.length).toBeGreaterThan(30);
    expect(Object.keys(parsed).filter((k) => !keys.includes(k))).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining(["DATABASE_URL", "INGRESS_PORT", "LOG_FORMAT", "STATEHOUSE_FUNCTION_HOSTS"]));
  });

  it("every setting is documented with its default, and nothing documented is gone", () => {
    expect(settingProblems(keys, defaults, rows)).toEqual([]);
  });

  it("negative control: a missing setting, a wrong default and a setting that no longer exists are caught", () => {
    const cap = Number(defaults.CHECKPOINT_LAG_CAP_MS);
    const edited = new Map(rows);
    edited.delete("INGRESS_PORT");
    edited.set("CHECKPOINT_LAG_CAP_MS", ` \`${cap + 1}\` | claiming pauses … |`);
    edited.set("DISPATCH_OLD_KNOB", " `1` | gone |");
    expect(settingProblems(keys, defaults, edited)).toEqual([
      "INGRESS_PORT is a setting (server/env.ts) missing from docs/operations.md",
      `CHECKPOINT_LAG_CAP_MS: docs/operations.md gives the default as "\`${cap + 1}\`"; server/env.ts's is ${cap}`,
      "DISPATCH_OLD_KNOB is in docs/operations.md but no longer a setting (not in server/env.ts)",
    ]);
  });
});
