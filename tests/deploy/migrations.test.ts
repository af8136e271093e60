import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

/**
 * `prisma migrate deploy` with the JS engine (stack.md: Prisma 6.19.3, offline) splits a migration into
 * statements at every `;`, comments included: a `;` in a `--` comment sends the rest of the comment to Postgres
 * as SQL ("syntax error at or near ..."), which failed a CI run. The tests apply migrations with pg, which does not
 * split, so only this check sees it.
 */
it("no migration has a ; inside a comment", () => {
  const dir = join(process.cwd(), "prisma", "migrations");
  const offending: string[] = [];
  for (const m of readdirSync(dir).filter((d) => /^\d+_/.test(d)))
    readFileSync(join(dir, m, "migration.sql"), "utf8")
      .split("\n")
      .forEach((line, i) => {
        const c = line.indexOf("--");
        if (c >= 0 && line.slice(c).includes(";")) offending.push(`${m}/migration.sql:${i + 1}`);
      });
  expect(offending).toEqual([]);
});
