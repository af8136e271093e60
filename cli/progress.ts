import { Presets, SingleBar } from "cli-progress";
import { formatBytes } from "../app/lib/format";

/** A progress bar on stderr, drawn only for a person at a terminal (never with --json or when piped). */
export interface Progress {
  /** `total` undefined: a phase without counts (the bar stays where it is, the status says what is happening). */
  update(value: number, total?: number, status?: string): void;
  /** Filled, with `status` (e.g. "complete"). */
  finish(status: string): void;
  stop(): void;
}

const none: Progress = { update: () => undefined, finish: () => undefined, stop: () => undefined };

export function progressBar(label: string, opts: { json: boolean; unit?: string; bytes?: boolean }): Progress {
  if (opts.json || !process.stderr.isTTY) return none;
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% {counts}| {status}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  const count = (n: number) => (opts.bytes ? formatBytes(n) : String(n));
  let started = false;
  let last = { value: 0, total: 1 };
  return {
    update(value, total, status = "") {
      if (total !== undefined) last = { value, total: Math.max(total, 1) };
      const counts = total === undefined ? "" : `| ${count(value)}/${count(total)}${opts.unit ? ` ${opts.unit}` : ""} `;
      if (!started) bar.start(last.total, last.value, { counts, status });
      else {
        bar.setTotal(last.total);
        bar.update(last.value, { counts, status });
      }
      started = true;
    },
    finish(status) {
      if (!started) return;
      bar.update(last.total, { counts: "", status });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
