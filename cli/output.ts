import { formatRelative } from "../app/lib/format";

/** How a command prints: JSON for scripts (--json), or text and tables for people. */
export interface Output {
  json: boolean;
  /** The command's one result: pretty JSON with --json, else the text `human` renders. */
  result(value: unknown, human: () => string): void;
  /** One item of a stream (egress records, top samples): one compact JSON line with --json. */
  item(value: unknown, human: () => string): void;
  /** Side notes for people (hints, totals): stderr, so that stdout stays the result; not printed with --json. */
  note(text: string): void;
}

export function makeOutput(json: boolean): Output {
  const write = (s: string) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
  return {
    json,
    result: (value, human) => write(json ? JSON.stringify(value, null, 2) : human()),
    item: (value, human) => write(json ? JSON.stringify(value) : human()),
    note: (text) => {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
}

const MAX_CELL = 60;

/** Shortened to `max` characters with an ellipsis; control characters shown escaped so a row stays one line. */
export function clip(s: string, max = MAX_CELL): string {
  const one = s.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Columns padded to their widest cell; numbers (cells of digits) right-aligned. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => clip(String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map((_, i) => cells.length > 0 && cells.every((r) => /^-?[\d.,]+( \S+)?$|^—$/.test(r[i] ?? "")));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), ...cells.map(line)].join("\n");
}

/** A decoded value in one line: strings as they are, anything else as compact JSON. */
export function preview(v: unknown, max = MAX_CELL): string {
  if (v === undefined) return "—";
  return clip(typeof v === "string" ? v : JSON.stringify(v), max);
}

/** "3 min ago (2026-01-02T03:04:05.000Z)" shortened to the relative part; null as a dash. */
export const when = (iso: string | null | undefined) => (iso ? formatRelative(iso) : "—");

/** `key: value` lines, keys padded. */
export function fields(pairs: Array<[string, string | number]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`).join("\n");
}
