import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { specOf } from "@/server/http/route";
import type { RouteSpec } from "@/server/contracts/api";

export interface LoadedRoute {
  file: string;
  path: string;
  method: string;
  fn: unknown;
  spec: RouteSpec | undefined;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * Catch-all folders (`[...missing]`) are left out: app/api/[...missing] is no contract route but the JSON 404 for
 * paths no route claims (tests/http/api-not-found.test.ts).
 */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name.startsWith("[...")) return [];
    return statSync(p).isDirectory() ? walk(p) : name === "route.ts" ? [p] : [];
  });
}

/** Every HTTP handler the Next app serves under app/api, with the URL path its folder gives it. */
export async function loadRoutes(): Promise<LoadedRoute[]> {
  const root = join(process.cwd(), "app");
  const out: LoadedRoute[] = [];
  for (const file of walk(root)) {
    const rel = relative(root, file).split(sep).slice(0, -1);
    const path = "/" + rel.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
    const mod = (await import(file)) as Record<string, unknown>;
    for (const method of METHODS) if (mod[method]) out.push({ file, path, method, fn: mod[method], spec: specOf(mod[method]) });
  }
  return out;
}

/** Path params that satisfy each route's contract, so only authentication can fail. */
export const sampleParams = (path: string) =>
  Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], m[1] === "endpointId" || m[1] === "tokenId" || m[1] === "userId" ? "00000000-0000-4000-8000-000000000000" : "sample"]));
