import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

/**
 * The README points only at files in the repository: markdown links and the paths it names in backticks
 * (`server/…`, `tests/…`, …) must exist in the checkout, and nothing outside it (`../`) is cited.
 */
const ROOTS = ["app", "server", "worker", "tests", "e2e", "bench", "scripts", "prisma", "examples", "docs", ".ci"];

it("every file the README names exists in the repository", () => {
  const text = readFileSync(join(process.cwd(), "README.md"), "utf8");
  const missing: string[] = [];
  for (const m of text.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto
    if (!existsSync(join(process.cwd(), target))) missing.push(target);
  }
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1].replace(/[.,;:]+$/, "");
    const root = p.split("/")[0];
    if (!ROOTS.includes(root) || !p.includes("/") || /[*{}<>$]|\.\.\./.test(p)) continue;
    if (!existsSync(join(process.cwd(), p))) missing.push(p);
  }
  expect(missing).toEqual([]);
  expect(text).not.toMatch(/\.\.\/shared|`\.\.\//);
});
