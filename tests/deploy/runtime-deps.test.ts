/**
 * The runtime image carries production dependencies only (Dockerfile: `npm ci --omit=dev`), so everything the
 * processes it runs import at run time must be a dependency, not a devDependency. esbuild follows the real import
 * graph from each entrypoint (type-only imports erased, the tsconfig's "@/" paths resolved) and lists the packages
 * left outside; the same for the demo functions' image against examples/functions/package.json.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const deps = (file: string) => Object.keys((JSON.parse(readFileSync(path.join(root, file), "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {});

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && pattern.test(d.name))
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)));
}

/** Package names (`pkg` or `@scope/pkg`) that the code reachable from `entries` imports at run time. */
async function packagesImported(entries: string[]): Promise<string[]> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    outdir: "out",
    platform: "node",
    format: "esm",
    packages: "external",
    jsx: "automatic",
    loader: { ".css": "empty", ".lua": "text", ".proto": "text" },
    logLevel: "silent",
  });
  const names = new Set<string>();
  for (const input of Object.values(result.metafile.inputs))
    for (const imp of input.imports) {
      // (a relative path left external is a file of the tree — the generated Prisma client's ".ts" imports — not a package)
      if (!imp.external || isBuiltin(imp.path) || /^[./]/.test(imp.path)) continue;
      const parts = imp.path.split("/");
      names.add(imp.path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
    }
  return [...names].sort();
}

describe("the runtime image's processes import only dependencies", () => {
  it("web (every app/ module, proxy, instrumentation), worker, ingress, seed, trickle, banner, CLI and the Prisma CLI's config", async () => {
    const entries = [
      ...filesUnder("app", /\.(ts|tsx)$/),
      "proxy.ts",
      "instrumentation.ts",
      "next.config.js",
      "worker/index.ts",
      "worker/ingress.ts",
      "prisma/seed.ts",
      "prisma.config.ts",
      "examples/trickle.ts",
      "scripts/banner.mjs",
      "scripts/unref-long-timers.cjs",
      "scripts/drop-adapter-url-warning.cjs",
      ...["bin/statehouse.mjs", "cli/main.ts"].filter((f) => existsSync(path.join(root, f))),
    ];
    const used = await packagesImported(entries);
    expect(used).toContain("next"); // the graph was really followed
    expect(used).toContain("bullmq");
    const allowed = new Set(deps("package.json"));
    expect(used.filter((p) => !allowed.has(p))).toEqual([]);
  });

  it("negative control: a test helper that imports devDependencies is caught", async () => {
    const used = await packagesImported(["examples/functions/server.ts"]);
    const allowed = new Set(deps("package.json"));
    expect(used.filter((p) => !allowed.has(p))).toEqual(["apache-flink-statefun"]);
  });

  it("the demo functions' image: examples/functions/server.ts against examples/functions/package.json", async () => {
    const used = await packagesImported(["examples/functions/server.ts"]);
    const allowed = new Set(deps("examples/functions/package.json"));
    expect(used).toEqual(["apache-flink-statefun"]);
    expect(used.filter((p) => !allowed.has(p))).toEqual([]);
    // it runs through tsx, which its package.json must carry too
    expect(allowed.has("tsx")).toBe(true);
  });
});
