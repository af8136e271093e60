/**
 * Flink's `TimeUtils.parseDuration`: a number, optional whitespace, an optional unit (case-insensitive);
 * no unit means milliseconds. Sub-millisecond units are accepted and rounded up to whole milliseconds
 * because every timeout we apply is in ms.
 */
const UNIT_MS: Array<[RegExp, number]> = [
  [/^(d|day|days)$/, 86_400_000],
  [/^(h|hour|hours)$/, 3_600_000],
  [/^(m|min|minute|minutes)$/, 60_000],
  [/^(s|sec|secs|second|seconds)$/, 1_000],
  [/^(ms|milli|millis|millisecond|milliseconds)$/, 1],
  [/^(µs|us|micro|micros|microsecond|microseconds)$/, 0.001],
  [/^(ns|nano|nanos|nanosecond|nanoseconds)$/, 0.000001],
];

export const DURATION_HELP =
  "use Flink duration syntax: a number with an optional unit (ms, s, min, h, d; e.g. `500ms`, `10 s`, `2 min`); no unit means milliseconds";

/** Timeouts are stored as Postgres int4 milliseconds (and Node's timers take at most this): about 24.8 days. */
export const MAX_DURATION_MS = 2_147_483_647;

const tooLong = (input: string | number) =>
  ({ ok: false, message: `${typeof input === "number" ? input : `"${input}"`} is longer than the longest duration, ${MAX_DURATION_MS} ms (about 24.8 days)` }) as const;

/** Returns milliseconds, or an error message saying what is wrong. */
export function parseFlinkDuration(input: string | number): { ok: true; ms: number } | { ok: false; message: string } {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0 || !Number.isInteger(input))
      return { ok: false, message: `${input} is not a whole, non-negative number of milliseconds` };
    return input > MAX_DURATION_MS ? tooLong(input) : { ok: true, ms: input };
  }
  const text = input.trim();
  const m = /^(\d+)\s*([a-zA-Zµ]*)$/.exec(text);
  if (!m) return { ok: false, message: `"${input}" is not a duration; ${DURATION_HELP}` };
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  const factor = unit === "" ? 1 : UNIT_MS.find(([re]) => re.test(unit))?.[1];
  if (factor === undefined) return { ok: false, message: `"${input}" has an unknown time unit "${m[2]}"; ${DURATION_HELP}` };
  const ms = Math.ceil(n * factor);
  return ms > MAX_DURATION_MS ? tooLong(input) : { ok: true, ms };
}

/** The shortest exact Flink-syntax rendering of a millisecond count (round-trips through the parser). */
export function formatFlinkDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "min"],
    [1_000, "s"],
  ];
  if (ms === 0) return "0 ms";
  for (const [factor, name] of units) if (ms % factor === 0) return `${ms / factor} ${name}`;
  return `${ms} ms`;
}
