import { CONTROL, LONE_SURROGATE } from "./names";

/**
 * Text no field can hold, whatever its own rules: a NUL (Postgres text and jsonb refuse it, and the request
 * would fail inside a query) or a lone UTF-16 surrogate (JSON's `"\udc00"` and YAML's `"\ud800"` make one; it has
 * no UTF-8 form, so neither Postgres nor Redis nor a function could be sent it). Checked at every way in: JSON
 * bodies (server/http/route.ts), module YAML. Returns what is wrong, or null; never the value itself, which
 * may be a password.
 */
export function unstorableProblem(s: string): string | null {
  if (s.includes("\u0000")) return "holds a NUL character (U+0000), which cannot be stored";
  if (LONE_SURROGATE.test(s)) return "holds a lone UTF-16 surrogate, which is not valid Unicode and has no UTF-8 form";
  return null;
}

/**
 * Path parameters and query values are names, ids, cursors and filters: besides the above, no control
 * character (tab, newline, DEL, C1) belongs in one.
 */
export function urlTextProblem(s: string): string | null {
  return unstorableProblem(s) ?? (CONTROL.test(s) ? "holds a control character (tab, newline, DEL, …)" : null);
}

type Path = Array<string | number>;

/** Deeper than this, a body is refused: JSON.stringify and every recursive reader would overflow the stack. */
export const MAX_DEPTH = 200;

/**
 * The first string (value or object key) of a parsed JSON or YAML value that cannot be stored, or a nesting
 * deeper than MAX_DEPTH, with its path. Iterative: the value may be nested far deeper than the stack allows.
 */
export function findUnstorable(value: unknown): { path: Path; problem: string } | null {
  const stack: Array<{ v: unknown; path: Path }> = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === "string") {
      const p = unstorableProblem(v);
      if (p) return { path, problem: p };
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (path.length >= MAX_DEPTH) return { path, problem: `is nested deeper than ${MAX_DEPTH} levels` };
    const entries: Array<[string | number, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k] of entries) {
      const p = typeof k === "string" ? unstorableProblem(k) : null;
      if (p) return { path, problem: `has a key that ${p}` };
    }
    // Pushed in reverse so that values are checked in document order.
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ v: entries[i][1], path: [...path, entries[i][0]] });
  }
  return null;
}
