import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The README and every docs/*.md point only at files in the repository: markdown links (relative to the page, with
 * their #anchors) and the repository paths they name in backticks (`server/…`, `tests/…`, …) must exist in the
 * checkout, and nothing outside it (`../shared`) is cited. The README links every docs page. Code and docs cite
 * the design as "docs/DESIGN.md §N", a section that exists.
 */
const ROOT = process.cwd();
const ROOTS = ["app", "server", "worker", "cli", "bin", "tests", "e2e", "bench", "scripts", "prisma", "examples", "docs", ".ci"];
const DOCS = readdirSync(join(ROOT, "docs"))
  .filter((f) => f.endsWith(".md"))
  .sort();
const PAGES = ["README.md", ...DOCS.map((f) => `docs/${f}`)];

const read = (page: string) => readFileSync(join(ROOT, page), "utf8");
/** Fenced code blocks hold commands and examples, not links. */
const withoutFences = (text: string) => text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, "");

/** GitHub's heading anchors: lowercased, punctuation dropped, spaces to hyphens (duplicates are not used here). */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*$/gm))
    out.add(
      m[1]
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  return out;
}

/** What is wrong with the page's links and paths, one line each (`text`: the page's, unless given). */
function brokenReferences(page: string, text = read(page)): string[] {
  const prose = withoutFences(text);
  const problems: string[] = [];
  for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http(s), mailto
    const [path, anchor] = target.split("#") as [string, string | undefined];
    const file = path === "" ? join(ROOT, page) : resolve(ROOT, dirname(page), path);
    if (!file.startsWith(ROOT + sep)) {
      problems.push(`${page}: ${target} is outside the repository`);
      continue;
    }
    if (!existsSync(file)) {
      problems.push(`${page}: ${target} does not exist`);
      continue;
    }
    if (anchor && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(anchor))
      problems.push(`${page}: ${target} names no heading of ${relative(ROOT, file)}`);
  }
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1].replace(/[.,;:]+$/, "");
    const root = p.split("/")[0];
    if (!ROOTS.includes(root) || !p.includes("/") || /[*{}<>$…]|\.\.\./.test(p)) continue;
    if (!existsSync(join(ROOT, p))) problems.push(`${page}: \`${p}\` does not exist`);
  }
  if (/\.\.\/shared|`\.\.\//.test(text)) problems.push(`${page}: cites a file outside the repository (../)`);
  return problems;
}

describe("the README and docs/ name only files in the repository", () => {
  it("docs/ holds the pages the README links", () => {
    expect(DOCS).toEqual(expect.arrayContaining(["ARCHITECTURE.md", "DESIGN.md", "concepts.md", "getting-started.md", "operations.md", "security.md"]));
  });

  it.each(PAGES)("every link and path %s names exists", (page) => {
    expect(brokenReferences(page)).toEqual([]);
  });

  it("the README links every docs page", () => {
    const readme = read("README.md");
    expect(DOCS.filter((f) => !readme.includes(`](docs/${f})`))).toEqual([]);
  });

  it("negative control: a missing file, an unknown anchor, a path outside the repository and ../shared are caught", () => {
    const page = "docs/__not-a-page__.md";
    const text = "[a](nope.md) [b](DESIGN.md#no-such-heading) [c](../../elsewhere.md) [d](../shared/DESIGN.md) `server/nope.ts`";
    expect(brokenReferences(page, text)).toEqual([
      `${page}: nope.md does not exist`,
      `${page}: DESIGN.md#no-such-heading names no heading of docs/DESIGN.md`,
      `${page}: ../../elsewhere.md is outside the repository`,
      `${page}: ../shared/DESIGN.md does not exist`,
      `${page}: \`server/nope.ts\` does not exist`,
      `${page}: cites a file outside the repository (../)`,
    ]);
  });
});

// Spelled in two parts so that this file does not cite the design the old way itself.
const OLD_CITATION = new RegExp("DESIGN" + " §");
const SECTIONS = new Set([...read("docs/DESIGN.md").matchAll(/^## (\d+)\./gm)].map((m) => m[1]));

/** Citations of the design in one file that are not "docs/DESIGN.md §N" with an existing §N (docs/ may say "DESIGN.md §N"). */
function citationProblems(file: string, text: string): string[] {
  const bad: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (OLD_CITATION.test(line)) bad.push(`${file}:${i + 1}: cite docs/DESIGN.md §N`);
    for (const m of line.matchAll(/(\S*)DESIGN\.md §(\d+)/g)) {
      if (!file.startsWith("docs/") && !m[1].endsWith("docs/")) bad.push(`${file}:${i + 1}: cite docs/DESIGN.md, not ${m[1]}DESIGN.md`);
      if (!SECTIONS.has(m[2])) bad.push(`${file}:${i + 1}: docs/DESIGN.md has no §${m[2]}`);
    }
  });
  return bad;
}

describe("design citations", () => {
  it("every tracked source and markdown file cites the design as docs/DESIGN.md §N, and §N exists", () => {
    const tracked = execFileSync("git", ["ls-files", "--", "*.ts", "*.tsx", "*.lua", "*.md", "*.mjs", "*.cjs", "*.prisma", "*.yml", "*.sh"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter((f) => f !== "" && existsSync(join(ROOT, f)));
    expect(tracked.length).toBeGreaterThan(100);
    expect(SECTIONS).toEqual(new Set(["1", "2", "3", "4", "5", "6"]));
    expect(tracked.flatMap((f) => citationProblems(f, readFileSync(join(ROOT, f), "utf8")))).toEqual([]);
  });

  it("negative control: the old form, a citation of a copy outside docs/ and a missing section are caught", () => {
    const md = "DESIGN" + ".md §"; // in parts, like OLD_CITATION
    const text = [`// (${OLD_CITATION.source}3)`, `// (../shared/${md}4)`, `// (docs/${md}9)`, `// (docs/${md}3, invariant 4)`].join("\n");
    expect(citationProblems("server/x.ts", text)).toEqual([
      "server/x.ts:1: cite docs/DESIGN.md §N",
      "server/x.ts:2: cite docs/DESIGN.md, not (../shared/DESIGN.md",
      "server/x.ts:3: docs/DESIGN.md has no §9",
    ]);
  });
});
